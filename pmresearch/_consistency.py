"""Checks across the tables of a workspace: references, survey scales, margins and design
weights, periods; and the warnings about a valid workspace that its reports will show gaps for.

Each check of :func:`check_links` reads the tables produced by
:func:`pmresearch._schemas.check_table` (strings in ``raw``, typed values in ``typed``, both
indexed by spreadsheet row) and skips quietly when a table or column it needs is absent,
because that absence is already a problem of its own. A *problem* stops the workspace from
loading. A *warning* (:func:`workspace_warnings`, from a loaded workspace) is something the
reports handle, by leaving a wave out or showing "no valid answers", that the council should
still know about.
"""

from __future__ import annotations

import pandas as pd

from .periods import data_description, data_periods, period_end
from ._messages import quoted
from ._schemas import TABLES, blank_mask, rows_of, to_numbers, values_phrase
from .errors import Problem

__all__ = ["DONT_KNOW", "REFERENCES", "SHARE_TOLERANCE", "check_links", "check_parameter_links",
           "item_scales", "split_list", "typed_items", "workspace_warnings"]

#: How far a variable's figures may be from 1 and still be read as shares (as weighting reads
#: them), and how far count totals may differ.
SHARE_TOLERANCE = 0.005

#: The LGA code for "don't know", valid on every item whatever its scale.
DONT_KNOW = 9
_DEFAULT_SCALE = 5  # docs/workspace.md: without survey_items.csv every item is 5-point


def split_list(cell: str) -> list[str]:
    """The entries of a ``;``-separated cell, stripped, blanks dropped.

    >>> split_list("sat_waste; sat_recycling;")
    ['sat_waste', 'sat_recycling']
    """
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def _column(frames: dict[str, pd.DataFrame], table: str, column: str) -> pd.Series | None:
    frame = frames.get(table)
    return frame[column] if frame is not None and column in frame.columns else None


def _known(frames: dict[str, pd.DataFrame], table: str, column: str) -> list[str] | None:
    # An empty table is reported as such; listing every reference to it as unknown adds nothing.
    values = _column(frames, table, column)
    if values is None or values.empty:
        return None
    return list(dict.fromkeys(values[~blank_mask(values)]))


def _unknown(values: pd.Series | None, known: list[str] | None, file: str, column: str,
             target: str, fix: str) -> list[Problem]:
    """A problem listing non-blank ``values`` missing from ``known``, described as ``target``."""
    if values is None or known is None:
        return []
    unknown = ~blank_mask(values) & ~values.isin(known)
    if not unknown.any():
        return []
    what, verb = values_phrase(values[unknown])
    return [Problem(file, f"{what} {verb} not listed in {target}", fix, column=column,
                    rows=rows_of(unknown))]


def item_scales(typed: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Item column → number of scale points, from survey_items.csv or else services.csv."""
    items = typed.get("survey_items")
    if items is not None and {"item", "scale_points"} <= set(items.columns):
        valid = items[items["scale_points"].notna()]
        return {str(i): int(s) for i, s in zip(valid["item"], valid["scale_points"])}
    named = _column(typed, "services", "survey_items")
    if named is None:
        return {}
    return {item: _DEFAULT_SCALE for cell in named for item in split_list(cell)}


def typed_items(responses: pd.DataFrame, scales: dict[str, int]) -> pd.DataFrame:
    """``responses`` with every item column as Int64 (codes off the scale become missing)."""
    typed = responses.copy()
    for item, points in scales.items():
        if item in typed.columns:
            codes = to_numbers(typed[item])
            on_scale = codes.isin([*range(1, points + 1), DONT_KNOW])
            typed[item] = codes.where(on_scale).astype("Int64")
    return typed


# (table, column) → (referenced table, its column, fix): each non-blank value must appear there.
# A fix names a table as {stem}, filled in with the council's own file name (.csv or .xlsx).
REFERENCES = {
    ("survey_responses", "wave"): ("survey_waves", "wave",
                                   "Add the wave to {survey_waves} or correct it."),
    ("survey_responses", "ward_code"): ("wards", "ward_code",
                                        "Add the ward to {wards} or correct the code."),
    ("population_margins", "wave"): ("survey_waves", "wave",
                                     "Correct the wave, or leave it blank for every wave."),
    ("indicators", "service_id"): ("services", "service_id",
                                   "Add the service to {services} or correct the id."),
    ("services", "key_pi"): ("indicators", "pi_id", "Correct the key_pi, or leave it blank."),
    ("pi_values", "pi_id"): ("indicators", "pi_id",
                             "Add the indicator to {indicators} or correct the id."),
    ("pi_values", "ward_code"): ("wards", "ward_code",
                                 "Correct the code, or leave it blank for a borough value."),
    ("benchmarks", "pi_id"): ("indicators", "pi_id",
                              "Add the indicator to {indicators} or correct the id."),
    ("comments", "service_id"): ("services", "service_id",
                                 "Correct the id, or leave it blank for a cross-cutting comment."),
    ("comments", "ward_code"): ("wards", "ward_code", "Correct the code, or leave it blank."),
    ("hand_coded", "comment_id"): ("comments", "comment_id", "Correct the id or remove the row."),
}


def check_links(raw: dict[str, pd.DataFrame], typed: dict[str, pd.DataFrame],
                files: dict[str, str], *, financial_year_start_month: int | None,
                codes: list[str] | None, codeframe_file: str) -> list[Problem]:
    """Every problem that needs more than one table (or one row's several columns).

    Parameters
    ----------
    raw, typed : dict of DataFrame
        Tables by stem as read (strings) and as typed; absent tables are left out.
    files : dict of str
        Table stem → file name used in messages, for every table of the contract.
    financial_year_start_month : int or None
        From council.yaml; None (invalid) skips the period_end check.
    codes : list of str or None
        The code frame's codes; None (invalid code frame) skips the themes check.
    codeframe_file : str
        The code frame's name in messages.
    """
    problems = []
    for (table, column), (ref_table, ref_column, fix) in REFERENCES.items():
        problems += _unknown(_column(raw, table, column), _known(raw, ref_table, ref_column),
                             files[table], column, f"column {ref_column!r} of {files[ref_table]}",
                             fix.format(**files))
    problems += _key_pi_owner(raw, files)
    problems += _survey_problems(raw, files, item_scales(typed))
    problems += _margin_problems(raw, typed, files)
    problems += _design_weight_problems(raw, typed, files)
    problems += _row_rules(raw, typed, files, financial_year_start_month)
    if codes is not None and _column(raw, "hand_coded", "themes") is not None:
        themes = raw["hand_coded"]["themes"]
        unknown = themes.map(lambda cell: [c for c in split_list(cell) if c not in codes])
        bad = unknown.map(bool)
        if bad.any():
            what, verb = values_phrase(code for cell in unknown[bad] for code in cell)
            problems.append(Problem(files["hand_coded"],
                                    f"{what} {verb} not listed in {codeframe_file}",
                                    "Use codes from the code frame, separated by ';'.",
                                    column="themes", rows=rows_of(bad)))
    return problems


def _key_pi_owner(raw: dict[str, pd.DataFrame], files: dict[str, str]) -> list[Problem]:
    """A service's key_pi must be one of that service's own indicators."""
    key_pi, owners = _column(raw, "services", "key_pi"), _column(raw, "indicators", "service_id")
    if (key_pi is None or owners is None or "service_id" not in raw["services"].columns
            or "pi_id" not in raw["indicators"].columns):
        return []
    owner_of = dict(zip(raw["indicators"]["pi_id"], owners))
    problems = []
    for row, service, pi in zip(key_pi.index, raw["services"]["service_id"], key_pi):
        owner = owner_of.get(pi)
        if pi.strip() and owner is not None and owner != service:
            own = [p for p, s in owner_of.items() if s == service]
            choices = f"({quoted(own, limit=10)})" if own else "(it has none yet)"
            problems.append(Problem(
                files["services"], f"key_pi {pi!r} belongs to service {owner!r} in "
                f"{files['indicators']}, not {service!r}",
                f"Choose one of the service's own indicators {choices}.", column="key_pi",
                rows=(int(row),)))
    return problems


def _survey_problems(raw: dict[str, pd.DataFrame], files: dict[str, str],
                     scales: dict[str, int]) -> list[Problem]:
    """Items named by services.csv and survey_items.csv exist; responses are on their scales."""
    responses = raw.get("survey_responses")
    if responses is None:
        return []
    problems = []
    response_file = files["survey_responses"]
    has_item_file = "survey_items" in raw and "item" in raw["survey_items"].columns
    if has_item_file:
        items = raw["survey_items"]["item"]
        problems += _unknown(items, list(responses.columns), files["survey_items"], "item",
                             f"the columns of {response_file}",
                             "Add the item column to the responses or remove the row.")
    named = _column(raw, "services", "survey_items")
    if named is not None:
        listed = named.map(split_list)
        known = list(raw["survey_items"]["item"]) if has_item_file else list(responses.columns)
        bad = listed.map(lambda entries: any(e not in known for e in entries))
        if bad.any():
            what, verb = values_phrase(e for entry in listed[bad] for e in entry if e not in known)
            where = (f"column 'item' of {files['survey_items']}" if has_item_file
                     else f"the columns of {response_file}")
            problems.append(Problem(files["services"], f"{what} {verb} not listed in {where}",
                                    "Correct the item names (separate them with ';').",
                                    column="survey_items", rows=rows_of(bad)))
    for item, points in scales.items():
        if item not in responses.columns:
            continue
        text = responses[item]
        codes = to_numbers(text)
        off_scale = ~blank_mask(text) & ~codes.isin([*range(1, points + 1), DONT_KNOW])
        if off_scale.any():
            what, verb = values_phrase(text[off_scale])
            fix = ("Recode them, or correct the item's scale_points in "
                   f"{files['survey_items']}." if has_item_file else
                   "Recode them (without survey_items.csv every item is read as 5-point).")
            problems.append(Problem(
                response_file, f"{what} {verb} off the {points}-point scale of this item "
                               f"(expected 1–{points}, 9 = don't know, or blank)",
                fix, column=item, rows=rows_of(off_scale)))
    return problems


def _margin_problems(raw: dict[str, pd.DataFrame], typed: dict[str, pd.DataFrame],
                     files: dict[str, str]) -> list[Problem]:
    """Margin variables are response columns, every response category has a margin, totals agree.

    A variable's rows with a blank ``wave`` apply to every wave that has no rows of its own for
    that variable.
    """
    margins, responses = raw.get("population_margins"), raw.get("survey_responses")
    if margins is None or not {"variable", "category", "population"} <= set(margins.columns):
        return []
    file = files["population_margins"]
    wave = margins["wave"] if "wave" in margins.columns else pd.Series("", index=margins.index)
    general = blank_mask(wave)

    def rows_for(variable: str, scope_wave: str | None) -> tuple[pd.Series, bool]:
        """The variable's margin rows for a wave, and whether they are that wave's own."""
        of_variable = margins["variable"] == variable
        own = of_variable & (wave == scope_wave)
        return (own, True) if scope_wave is not None and own.any() else (of_variable & general, False)

    problems = []
    if responses is not None:
        found = quoted(responses.columns, limit=12)
        problems += _unknown(margins["variable"], list(responses.columns), file, "variable",
                             f"the columns of {files['survey_responses']} (found: {found})",
                             "Name the response column each variable weights (ward_code for wards).")
        required = {c.name for c in TABLES["survey_responses"].required}
        response_waves = responses["wave"] if "wave" in responses.columns else None
        for variable in dict.fromkeys(margins["variable"]):
            if variable not in responses.columns:
                continue
            has_own = ((margins["variable"] == variable) & ~general).any()
            by_wave = has_own and response_waves is not None
            scopes = list(dict.fromkeys(response_waves)) if by_wave else [None]
            values = responses[variable]
            # Blank cells of a required column are already reported as blanks.
            unchecked = (blank_mask(values) if variable in required
                         else pd.Series(False, index=values.index))
            for scope_wave in scopes:
                in_scope = (response_waves == scope_wave if scope_wave is not None
                            else pd.Series(True, index=values.index))
                rows, own = rows_for(variable, scope_wave)
                if not rows.any():
                    continue  # the variable does not weight this wave
                categories = list(dict.fromkeys(margins.loc[rows, "category"]))
                missing = in_scope & ~unchecked & ~values.isin(categories)
                if missing.any():
                    what, verb = values_phrase(values[missing])
                    of_wave = f" for wave {scope_wave!r}" if own else ""
                    problems.append(Problem(
                        files["survey_responses"],
                        f"{what} {verb} not a category in {file}{of_wave} "
                        f"(found: {quoted(categories, limit=25)})",
                        "Add the category or recode it.", column=variable, rows=rows_of(missing)))
    population = typed["population_margins"]["population"]
    for scope_wave in [None, *dict.fromkeys(wave[~general])]:
        totals = pd.Series({variable: population[rows_for(variable, scope_wave)[0]].sum(min_count=1)
                            for variable in dict.fromkeys(margins["variable"])}).dropna()
        # A variable summing to 1 is given as shares (docs/workspace.md): it has no total to agree.
        totals = totals[(totals - 1).abs() > SHARE_TOLERANCE]
        if len(totals) < 2 or totals.max() <= 0:
            continue
        spread = (totals.max() - totals.min()) / totals.max()
        if spread > SHARE_TOLERANCE:  # counts from rounded shares still agree within 0.5%
            listing = "; ".join(f"{v} {_number(t)}" for v, t in totals.items())
            of_wave = f" for wave {scope_wave!r}" if scope_wave is not None else ""
            problems.append(Problem(
                file, f"variable totals{of_wave} differ by {100 * spread:.1f}% ({listing}); "
                      "expected every variable to total the same population within 0.5%",
                "Correct the populations so each variable adds up to the same total.",
                column="population"))
    return problems


def _design_weight_problems(raw: dict[str, pd.DataFrame], typed: dict[str, pd.DataFrame],
                            files: dict[str, str]) -> list[Problem]:
    """Design weights are all blank (equal weights) or all above 0, as weighting needs them."""
    responses = typed.get("survey_responses")
    if responses is None or "design_weight" not in responses.columns:
        return []
    text = raw["survey_responses"]["design_weight"]
    blank = blank_mask(text)
    if blank.all():
        return []  # equal design weights
    file, problems = files["survey_responses"], []
    not_positive = (responses["design_weight"] <= 0).fillna(False).astype(bool)
    if not_positive.any():
        what, verb = values_phrase(text[not_positive])
        waves = raw["survey_responses"]["wave"] if "wave" in raw["survey_responses"] else None
        # A wave weighted 0 throughout is worth naming: its rows run past the ten shown.
        whole = ([] if waves is None else
                 [w for w in dict.fromkeys(waves[not_positive]) if not_positive[waves == w].all()])
        every = (f" (every weight of wave{'s' if len(whole) > 1 else ''} "
                 f"{quoted(whole, limit=5)})" if whole else "")
        problems.append(Problem(
            file, f"{what} {verb} not above 0{every}; expected a positive design weight",
            "Correct the weights: a respondent who should not count is left out of the file, "
            "not weighted 0.", column="design_weight", rows=rows_of(not_positive)))
    if blank.any():
        problems.append(Problem(
            file, "blank while other rows have a design weight; expected a weight in every row, "
                  "or none for equal weights",
            "Fill in the missing weights, or empty the whole column.", column="design_weight",
            rows=rows_of(blank)))
    return problems


def _number(value: float) -> str:
    """A figure as a message shows it: ``1,234``, ``0.25``; never ``2.`` for 1.99999.

    >>> _number(106043.0), _number(0.25), _number(1.99999)
    ('106,043', '0.25', '2')
    """
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _row_rules(raw: dict[str, pd.DataFrame], typed: dict[str, pd.DataFrame],
               files: dict[str, str], financial_year_start_month: int | None) -> list[Problem]:
    """Rules between the columns of one row: dates in order, values vs status, quartiles."""
    problems = []
    waves = typed.get("survey_waves")
    if waves is not None and {"fieldwork_start", "fieldwork_end"} <= set(waves.columns):
        backwards = waves["fieldwork_end"] < waves["fieldwork_start"]
        if backwards.any():
            problems.append(Problem(files["survey_waves"], "fieldwork_end is before fieldwork_start",
                                    "Correct the dates.", column="fieldwork_end",
                                    rows=rows_of(backwards)))
    values = typed.get("pi_values")
    if values is not None and "value" in values.columns:
        status = values["data_status"] if "data_status" in values.columns else None
        blank = blank_mask(raw["pi_values"]["value"])
        unexplained = blank & (status != "missing" if status is not None else True)
        if unexplained.any():
            why = ("data_status is not 'missing'" if status is not None
                   else "there is no data_status column")
            problems.append(Problem(files["pi_values"], f"value is blank but {why}",
                                    "Fill in the value, or set data_status to missing.",
                                    column="value", rows=rows_of(unexplained)))
    if (values is not None and financial_year_start_month is not None
            and {"period", "period_end"} <= set(values.columns)):
        problems += _period_end_problems(values, files["pi_values"], financial_year_start_month)
    benchmarks = typed.get("benchmarks")
    quartiles = ["lower_quartile", "median", "upper_quartile"]
    if benchmarks is not None and set(quartiles) <= set(benchmarks.columns):
        low, mid, high = (benchmarks[q] for q in quartiles)
        disordered = (low > mid) | (mid > high)
        if disordered.any():
            rows = rows_of(disordered)
            example = ", ".join(f"{q} {_number(benchmarks.at[rows[0], q])}" for q in quartiles)
            problems.append(Problem(
                files["benchmarks"], f"quartiles out of order ({_first(rows)}{example}); expected "
                                     "lower_quartile ≤ median ≤ upper_quartile",
                "Correct them: lower and upper are the 25th and 75th percentiles of the value, "
                "whatever the polarity.", rows=rows))
    return problems


def _period_end_problems(values: pd.DataFrame, file: str, month: int) -> list[Problem]:
    def expected_end(label: str) -> pd.Timestamp:
        try:
            return pd.Timestamp(period_end(label, month))
        except ValueError:  # an invalid label is reported by its own column check
            return pd.NaT

    expected = values["period"].map({p: expected_end(p) for p in dict.fromkeys(values["period"])})
    expected = pd.to_datetime(expected)
    wrong = expected.notna() & values["period_end"].notna() & (values["period_end"] != expected)
    if not wrong.any():
        return []
    rows = rows_of(wrong)
    found, period = values.at[rows[0], "period_end"].date(), values.at[rows[0], "period"]
    return [Problem(file, f"period_end is not the last day of its period's quarter "
                          f"({_first(rows)}{found} for {period}, expected {expected[rows[0]].date()}; "
                          f"the financial year starts in month {month})",
                    "Correct period_end or period (or financial_year_start_month in council.yaml).",
                    column="period_end", rows=rows)]


def _first(rows: tuple[int, ...]) -> str:
    """``"first, row 5: "`` before an example when several rows are affected."""
    return f"first, row {rows[0]}: " if len(rows) > 1 else ""


def check_parameter_links(service_files: dict[str, tuple[str, object]],
                          codeframe: pd.DataFrame | None, codeframe_file: str,
                          services: list[str] | None, services_file: str) -> list[Problem]:
    """Service parameter files and code-frame codes name services that services.csv lists."""
    if services is None:
        return []
    problems = []
    where = f"column 'service_id' of {services_file}"
    for file, data in service_files.values():
        sid = data.get("service_id") if isinstance(data, dict) else None
        if isinstance(sid, str) and sid not in services:
            problems.append(Problem(file, f"service_id {sid!r} is not listed in {where}",
                                    "Rename or delete the file, or add the service to services.csv."))
    if codeframe is not None:
        for code, sid in zip(codeframe["code"], codeframe["service_id"]):
            if sid and sid not in services:
                problems.append(Problem(
                    codeframe_file, f"code {code!r}: service_id {sid!r} is not listed in {where}",
                    "Correct the service_id, or set it to null for a cross-cutting code."))
    return problems


def _file_name(ws, stem: str) -> str:
    """The name a loaded workspace's table was read from: ``wards.csv`` or ``wards.xlsx``."""
    return next((name for name in ws.files if name in (f"{stem}.csv", f"{stem}.xlsx")),
                f"{stem}.csv")


def workspace_warnings(ws) -> list[Problem]:
    """What a valid workspace's reports will leave out or show as a gap, one warning each.

    * A wave of ``survey_waves.csv`` with no respondents yet (announced, not yet fielded):
      weighting, evidence and packs leave it out until it has some.
    * An item that a wave asked but that no respondent answered other than "don't know": the
      packs show "no valid answers" for it in that wave.
    * ``current_period`` in council.yaml beyond the quarters the workspace holds: packs and
      evidence refuse it (:func:`pmresearch.periods.check_period`).

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (:func:`pmresearch.workspace.load_workspace`).

    Returns
    -------
    list of Problem
        Empty when there is nothing to warn about.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> workspace_warnings(load_workspace())
    []
    """
    warnings = []
    responses, waves_file = ws.survey_responses, _file_name(ws, "survey_waves")
    responses_file = _file_name(ws, "survey_responses")
    counts = responses["wave"].value_counts()
    fielded = []
    for wave in ws.survey_waves["wave"]:
        if counts.get(wave, 0):
            fielded.append(wave)
            continue
        warnings.append(Problem(
            waves_file, f"wave {wave!r} has no respondents in {responses_file} (expected some "
                        "once its fieldwork is done); weighting, evidence and packs leave it "
                        "out until then",
            "Nothing to do if its fieldwork is still to come; otherwise add its responses or "
            "correct the wave's name."))
    scales = dict(zip(ws.survey_items["item"], ws.survey_items["scale_points"]))
    items = [item for item in scales if item in responses.columns]
    answered = responses[items].notna().groupby(responses["wave"]).sum()
    valid = (responses[items].fillna(DONT_KNOW) != DONT_KNOW).groupby(responses["wave"]).sum()
    for item in items:
        for wave in fielded:
            if answered.at[wave, item] and not valid.at[wave, item]:
                warnings.append(Problem(
                    responses_file, f"wave {wave!r} has no valid answers to this item (all "
                                    f"{answered.at[wave, item]:,} answers are {DONT_KNOW} = don't "
                                    f"know); expected at least one answer from 1 to {scales[item]}",
                    "Check the wave's coding of the item. If it is right, the packs show "
                    "'no valid answers' for the item in that wave.", column=item))
    current = ws.council["current_period"]
    first, last = data_periods(ws)
    if not first <= current <= last:  # valid labels sort in time order
        warnings.append(Problem(
            "council.yaml", f"current_period {current!r} is outside the data "
                            f"({data_description(ws)}); packs and evidence refuse it",
            "Correct current_period, or add the data."))
    return warnings
