"""Residents' views and performance together: the evidence table and ward linkage.

The **evidence table** has one row per service × quarter. It carries the service's key PI as
:func:`pmresearch.performance.assess_indicators` judges it (value, target, RAG, directions of
travel, consecutive red, trend, benchmark quartile); the resident survey as it stood at the end
of the quarter (weighted % satisfied with the service's headline item, its interval and base,
and the change since the wave before, with its test); and what the service's comments raised in
the four quarters to the quarter's end (the top themes and the top issues).

**Which survey wave goes with a quarter.** The *linked wave* is the wave whose fieldwork ended
most recently on or before the last day of the quarter: a quarter never borrows evidence from
after its end, and it keeps the latest evidence there is until a new wave is in. A wave whose
fieldwork ends inside a quarter is linked to that quarter and to every later one until the next
wave ends. Two waves ending the same day are ordered by their fieldwork start, then by name.
The *headline item* of a service is the first of its ``survey_items`` in ``services.csv``.
Only *fielded* waves count (:func:`fielded_waves`): a wave listed in ``survey_waves.csv`` with
no respondents yet is left out until its responses are in. A wave that asked an item but has
no valid answer to it (every answer "don't know") shows :data:`NO_VALID_ANSWERS` instead of an
estimate, and a change is measured from the last wave before it that had valid answers.

**Ward linkage.** Where a PI has ward-level values, :func:`ward_correlation` correlates ward
satisfaction (weighted, from the linked wave; wards below the suppression base are left out)
with the PI across wards, with pingouin: Pearson's r, its 95% interval, p-value and n, and the
partial correlation controlling for deprivation (``imd_quintile`` of ``wards.csv``). With fewer
wards than ``settings.linkage.min_wards`` it says "not enough wards" instead of a number.

**Low base.** Wherever a survey estimate is shown, its base is judged against
``settings.suppression``: below ``min_base`` the estimate is suppressed, from ``min_base`` up to
``low_base`` it carries the words of :func:`base_note` ("low base: fewer than 100 answers, treat
with caution"). The evidence table, the ward points and every section table use that one note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import coding, estimates, performance, weighting
from .periods import period_end, shift_period
from .bases import (LOW_BASE, NO_VALID_ANSWERS, SUPPRESSED, base_flags, base_note,
                    estimate_base_notes)
from .workspace import Workspace

__all__ = ["EVIDENCE_COLUMNS", "LOW_BASE", "NO_VALID_ANSWERS", "SUPPRESSED",
           "WARD_CORRELATION_COLUMNS", "WARD_POINTS_COLUMNS", "asked", "assessed_indicators",
           "base_flags", "base_note", "change_verdict", "comment_window",
           "comment_window_quarters", "estimate_base_notes", "evidence_table", "fielded_waves",
           "has_valid_answers", "headline_item", "linked_wave", "quarters",
           "satisfaction_by_wave", "service_items", "suppression_options", "ward_correlation",
           "ward_pi_values", "ward_points", "ward_satisfaction", "waves_to", "weighted_wave"]

#: Columns of :func:`evidence_table`, in order.
EVIDENCE_COLUMNS = [
    "service_id", "service_name", "period", "period_end",
    "key_pi", "key_pi_name", "key_pi_period", "key_pi_value", "key_pi_target", "key_pi_rag",
    "key_pi_rag_marker", "key_pi_dot_short", "key_pi_dot_short_basis", "key_pi_dot_long",
    "key_pi_consecutive_red",
    "key_pi_trend", "key_pi_trend_p", "key_pi_benchmark_quartile", "key_pi_commentary",
    "survey_item", "wave", "pct_satisfied", "ci_low", "ci_high", "n_unweighted",
    "pct_dont_know", "satisfaction_suppressed", "satisfaction_low_base", "satisfaction_base_note",
    "previous_wave", "pct_satisfied_before", "change_points",
    "change_p", "change_significant", "change_verdict",
    "comments", "comment_base", "top_themes", "top_issues"]

#: Columns of :func:`ward_points`, in order.
WARD_POINTS_COLUMNS = ["ward_code", "ward_name", "pct_satisfied", "n_unweighted", "low_base",
                       "base_note", "value", "imd_quintile"]

#: Columns of :func:`ward_correlation`, in order.
WARD_CORRELATION_COLUMNS = ["analysis", "pi_id", "pi_period", "survey_item", "wave", "n",
                            "r", "ci_low", "ci_high", "p_value", "status"]


def waves_to(survey_waves: pd.DataFrame, period: str, *,
             financial_year_start_month: int = 4) -> list[str]:
    """Waves whose fieldwork ended on or before the last day of ``period``, oldest first.

    Examples
    --------
    >>> waves = pd.DataFrame({"wave": ["2024", "2025"], "fieldwork_start": pd.to_datetime(
    ...     ["2024-08-12", "2025-08-11"]), "fieldwork_end": pd.to_datetime(["2024-09-20",
    ...     "2025-09-19"])})
    >>> waves_to(waves, "2025-26 Q1"), waves_to(waves, "2025-26 Q2")
    (['2024'], ['2024', '2025'])
    """
    end = pd.Timestamp(period_end(period, financial_year_start_month))
    ended = survey_waves[pd.to_datetime(survey_waves["fieldwork_end"]) <= end]
    order = [column for column in ("fieldwork_end", "fieldwork_start", "wave")
             if column in ended.columns]
    return ended.sort_values(order, kind="stable")["wave"].astype(str).tolist()


def linked_wave(survey_waves: pd.DataFrame, period: str, *,
                financial_year_start_month: int = 4) -> str | None:
    """The survey wave a quarter reports: the one whose fieldwork ended most recently on or
    before the quarter's last day (None before the first wave ends).

    Examples
    --------
    >>> waves = pd.DataFrame({"wave": ["2024", "2025"], "fieldwork_start": pd.to_datetime(
    ...     ["2024-08-12", "2025-08-11"]), "fieldwork_end": pd.to_datetime(["2024-09-20",
    ...     "2025-09-19"])})
    >>> linked_wave(waves, "2024-25 Q1"), linked_wave(waves, "2025-26 Q1")
    (None, '2024')
    """
    ended = waves_to(survey_waves, period, financial_year_start_month=financial_year_start_month)
    return ended[-1] if ended else None


def weighted_wave(ws: Workspace, wave: str) -> weighting.WeightingResult:
    """:func:`pmresearch.weighting.weight_wave`, once per loaded workspace and wave."""
    return ws.derived(("weighted_wave", wave), lambda: weighting.weight_wave(ws, wave))


def assessed_indicators(ws: Workspace) -> pd.DataFrame:
    """:func:`pmresearch.performance.assess_indicators` on every PI value of the workspace,
    once per loaded workspace (treat it as read-only)."""
    return ws.derived(("assessed_indicators",), lambda: performance.assess_indicators(
        ws.indicators, ws.pi_values, ws.benchmarks, ws.parameters.settings))


def suppression_options(ws: Workspace) -> dict:
    """``min_base`` and ``low_base`` of ``settings.suppression``, as the estimators take them."""
    suppression = ws.parameters.settings["suppression"]
    return {"min_base": suppression["min_base"], "low_base": suppression["low_base"]}


def asked(ws: Workspace, wave: str, item: str) -> bool:
    """True if ``wave`` asked survey ``item`` (some respondent has an answer, don't know
    included)."""
    responses = ws.survey_responses
    return bool(responses.loc[responses["wave"] == wave, item].notna().any())


def has_valid_answers(ws: Workspace, wave: str, item: str) -> bool:
    """True if some respondent of ``wave`` answered ``item`` other than "don't know", so there
    is an estimate to make."""
    responses = ws.survey_responses
    answers = responses.loc[responses["wave"] == wave, item].dropna()
    return bool(answers.ne(estimates.DONT_KNOW).any())


def fielded_waves(ws: Workspace) -> pd.DataFrame:
    """The rows of ``survey_waves.csv`` whose wave has respondents.

    A wave announced before its fieldwork (listed, no responses yet) is left out of every
    report until its responses are in; ``pmresearch validate`` warns about it.
    """
    waves = ws.survey_waves
    return waves[waves["wave"].isin(ws.survey_responses["wave"])]


def service_items(ws: Workspace, service_id: str) -> list[str]:
    """A service's survey items (``services.csv``'s ``survey_items``, ``;``-separated), in order."""
    services = ws.services.set_index("service_id")
    items = [item.strip() for item in str(services.loc[service_id, "survey_items"]).split(";")]
    return [item for item in items if item and item.lower() != "nan"]


def headline_item(ws: Workspace, service_id: str) -> str | None:
    """The first survey item of a service in ``services.csv`` (None if it has none)."""
    items = service_items(ws, service_id)
    return items[0] if items else None


def satisfaction_by_wave(ws: Workspace, item: str) -> pd.DataFrame:
    """Weighted % satisfied with ``item`` in every wave that asked it, with the change from
    the wave before that asked it (points, p-value, significance at ``significance.alpha``).

    Estimates are percentages (0–100). A wave's estimate is NaN when its base is below the
    suppression minimum; a change is NaN when either wave is suppressed.
    ``satisfaction_low_base`` and ``satisfaction_base_note`` (:func:`base_note`) mark a low base.
    A wave whose every answer was "don't know" has a base of 0, is ``satisfaction_suppressed``
    with the note :data:`NO_VALID_ANSWERS`, and the next wave's change is measured from the
    wave before it.
    """
    return ws.derived(("satisfaction_by_wave", item), lambda: _satisfaction_by_wave(ws, item))


def _satisfaction_by_wave(ws: Workspace, item: str) -> pd.DataFrame:
    alpha = ws.parameters.settings["significance"]["alpha"]
    rows, previous = [], None
    ordered = fielded_waves(ws).sort_values(["fieldwork_end", "fieldwork_start", "wave"])
    for wave in ordered["wave"].astype(str):
        if not asked(ws, wave, item):
            continue
        if not has_valid_answers(ws, wave, item):
            rows.append({"wave": wave, "pct_satisfied": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "n_unweighted": 0, "pct_dont_know": 100.0,
                         "satisfaction_suppressed": True, "satisfaction_low_base": False,
                         "satisfaction_base_note": NO_VALID_ANSWERS, "previous_wave": previous,
                         "pct_satisfied_before": np.nan, "change_points": np.nan,
                         "change_p": np.nan, "change_significant": False,
                         "change_verdict": f"not tested: {NO_VALID_ANSWERS}"})
            continue
        estimate = estimates.proportion(weighted_wave(ws, wave).design, item,
                                        **suppression_options(ws)).iloc[0]
        row = {"wave": wave, "pct_satisfied": 100 * estimate.estimate,
               "ci_low": 100 * estimate.ci_low, "ci_high": 100 * estimate.ci_high,
               "n_unweighted": int(estimate.n_unweighted),
               "pct_dont_know": float(estimate.pct_dont_know),
               "satisfaction_suppressed": bool(estimate.suppressed),
               "satisfaction_low_base": bool(estimate.low_base),
               "satisfaction_base_note": base_note([estimate.low_base], [estimate.suppressed],
                                              ws.parameters.settings["suppression"]).iloc[0],
               "previous_wave": previous,
               "pct_satisfied_before": np.nan, "change_points": np.nan, "change_p": np.nan,
               "change_significant": False, "change_verdict": "no earlier wave"}
        if previous is not None:
            change = estimates.compare_waves(weighted_wave(ws, previous).design,
                                             weighted_wave(ws, wave).design, item, alpha=alpha,
                                             **suppression_options(ws)).iloc[0]
            row.update(pct_satisfied_before=100 * change.estimate_a,
                       change_points=100 * change.difference, change_p=change.p_value,
                       change_significant=bool(change.significant),
                       change_verdict=change_verdict(change))
        rows.append(row)
        previous = wave
    return pd.DataFrame(rows)


def change_verdict(change) -> str:
    """A row of :func:`pmresearch.estimates.compare_waves` in words."""
    if change.suppressed:
        return "not tested: base too small"
    if not change.significant:
        return "no significant change"
    return "significant rise" if change.difference > 0 else "significant fall"


def comment_window_quarters(ws: Workspace) -> int:
    """``settings.linkage.comment_window_quarters``: 4 (a year, which smooths seasonal
    consultations) for a rules.yaml written before the setting existed."""
    return ws.parameters.settings["linkage"].get("comment_window_quarters", 4)


def comment_window(ws: Workspace, period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the ``settings.linkage.comment_window_quarters`` quarters (4 when
    rules.yaml leaves it out) ending with ``period``: the comments a quarter reports."""
    month = ws.council["financial_year_start_month"]
    quarters = comment_window_quarters(ws)
    end = pd.Timestamp(period_end(period, month))
    start = pd.Timestamp(period_end(shift_period(period, -quarters), month)) \
        + pd.Timedelta(days=1)
    return start, end


def _theme_columns(ws: Workspace, service_id: str, period: str) -> dict:
    """What the service's comments raised in the four quarters ending with ``period``."""
    start, end = comment_window(ws, period)
    themes = coding.theme_summary(coding.coded_comments(ws), ws.parameters.codeframe,
                                  service_id, start, end, ws.parameters.settings["coding"])
    shown = [f"{row.code} {row.label} ({row.comments:,}, {row.pct_negative:.0f}% negative)"
             for row in themes.head(3).itertuples(index=False)]
    return {"comments": themes.attrs["comments_received"], "comment_base": themes.attrs["base"],
            "top_themes": "; ".join(shown),
            "top_issues": ";".join(themes.loc[themes["top_issue"], "code"])}


def quarters(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last``, in order."""
    periods = [first]
    while periods[-1] < last:
        periods.append(shift_period(periods[-1], 1))
    return periods


def evidence_table(ws: Workspace, *, periods: list[str] | None = None,
                   services: list[str] | None = None) -> pd.DataFrame:
    """One row per service × quarter: key PI, linked survey wave and comment themes.

    Parameters
    ----------
    ws : Workspace
        A loaded workspace (:func:`pmresearch.workspace.load_workspace`).
    periods : list of str, optional
        Quarters wanted; by default every quarter from the first PI value to the council's
        ``current_period``.
    services : list of str, optional
        Services wanted; by default every service in ``services.csv``.

    Returns
    -------
    DataFrame
        Columns :data:`EVIDENCE_COLUMNS`. Key-PI columns are blank for a service with no key
        PI; survey columns for a service without a survey item or a quarter before its first
        wave; ``satisfaction_low_base`` and ``satisfaction_base_note`` mark a low or
        suppressed base, the latter in words (:func:`base_note`); ``comments`` counts the
        comments received in the four quarters to the quarter's end and ``comment_base`` the
        same with each campaign counted once.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> row = evidence_table(load_workspace(), periods=["2025-26 Q2"],
    ...                      services=["street_cleansing"]).iloc[0]
    >>> row.key_pi, row.key_pi_rag, int(row.key_pi_consecutive_red), row.change_verdict
    ('SC01', 'red', 3, 'significant fall')
    """
    month = ws.council["financial_year_start_month"]
    if periods is None:
        periods = quarters(ws.pi_values["period"].min(), ws.council["current_period"])
    service_rows = ws.services.set_index("service_id")
    services = list(service_rows.index) if services is None else services
    assessed = assessed_indicators(ws)
    names = ws.indicators.set_index("pi_id")["name"]
    fielded = fielded_waves(ws)
    rows = []
    for service_id in services:
        key_pi = service_rows.loc[service_id, "key_pi"]
        key_pi = key_pi if isinstance(key_pi, str) and key_pi.strip() else None
        item = headline_item(ws, service_id)
        survey = satisfaction_by_wave(ws, item) if item else pd.DataFrame()
        key_rows = assessed[assessed["pi_id"] == key_pi].set_index("period") \
            if key_pi else pd.DataFrame()
        for period in periods:
            row = {"service_id": service_id,
                   "service_name": service_rows.loc[service_id, "service_name"],
                   "period": period, "period_end": pd.Timestamp(period_end(period, month)),
                   "key_pi": key_pi, "key_pi_name": names.get(key_pi) if key_pi else None,
                   "survey_item": item}
            row.update(_key_pi_columns(key_rows, period))
            wave = linked_wave(fielded, period, financial_year_start_month=month)
            if wave is not None and not survey.empty:
                # The latest wave up to the linked one that asked the item.
                asked = survey[survey["wave"].isin(waves_to(
                    fielded, period, financial_year_start_month=month))]
                if len(asked):
                    row.update(asked.iloc[-1].to_dict())
            row.update(_theme_columns(ws, service_id, period))
            rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=EVIDENCE_COLUMNS)
    table["change_significant"] = table["change_significant"].astype("boolean").fillna(False) \
        .astype(bool)
    table["satisfaction_suppressed"] = table["satisfaction_suppressed"].astype("boolean")
    table["satisfaction_low_base"] = table["satisfaction_low_base"].astype("boolean")
    table["satisfaction_base_note"] = table["satisfaction_base_note"].astype(object).fillna("")
    for column in ("n_unweighted", "key_pi_consecutive_red", "comments", "comment_base"):
        table[column] = table[column].astype("Int64")
    return table


def _key_pi_columns(key_rows: pd.DataFrame, period: str) -> dict:
    """The key PI as judged in ``period`` (an annual PI: its latest value by then)."""
    if key_rows.empty:
        return {}
    known = key_rows[key_rows.index <= period]
    if known.empty:
        return {}
    if period in known.index:
        at = known.loc[period]
    elif (known["frequency"] == "annual").all():
        at = known.iloc[-1]
    else:
        return {"key_pi_period": period, "key_pi_rag": "no data"}
    return {"key_pi_period": at.name, "key_pi_value": at["value"],
            "key_pi_target": at["target"], "key_pi_rag": at["rag"],
            "key_pi_rag_marker": at["rag_marker"], "key_pi_dot_short": at["dot_short"],
            "key_pi_dot_short_basis": at["dot_short_basis"], "key_pi_dot_long": at["dot_long"],
            "key_pi_consecutive_red": at["consecutive_red"],
            "key_pi_trend": at["trend"], "key_pi_trend_p": at["trend_p"],
            "key_pi_benchmark_quartile": at["benchmark_quartile"],
            "key_pi_commentary": at.get("commentary", "")}


def ward_pi_values(ws: Workspace, pi_id: str, period: str) -> pd.DataFrame:
    """A PI's ward-level values in the latest quarter at or before ``period`` that has them.

    Returns
    -------
    DataFrame
        ``ward_code``, ``value`` and ``period`` (empty when the PI has no ward values by then).
        Missing and estimated values are left out, as they get no RAG either.
    """
    values = ws.pi_values
    if "ward_code" not in values:
        return pd.DataFrame(columns=["ward_code", "value", "period"])
    ward = values["ward_code"].fillna("").astype(str).str.strip()
    status = values.get("data_status", pd.Series("final", index=values.index)).fillna("final")
    rows = values[(values["pi_id"] == pi_id) & (ward != "") & (values["period"] <= period)
                  & ~status.isin(["missing", "estimated"]) & values["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["ward_code", "value", "period"])
    latest = rows[rows["period"] == rows["period"].max()]
    return latest[["ward_code", "value", "period"]].sort_values("ward_code").reset_index(drop=True)


def ward_satisfaction(ws: Workspace, item: str, wave: str) -> pd.DataFrame:
    """Weighted % satisfied with ``item`` in each ward in ``wave``, suppressed wards left out.

    Returns
    -------
    DataFrame
        ``ward_code``, ``pct_satisfied`` (0–100), ``n_unweighted``, ``low_base`` and
        ``base_note`` (:func:`base_note`), for the wards whose base reaches
        ``settings.suppression.min_base``. Computed once per loaded workspace, item and wave:
        treat it as read-only.
    """
    return ws.derived(("ward_satisfaction", item, wave),
                      lambda: _ward_satisfaction(ws, item, wave))


def _ward_satisfaction(ws: Workspace, item: str, wave: str) -> pd.DataFrame:
    table = estimates.proportion(weighted_wave(ws, wave).design, item, by="ward_code",
                                 **suppression_options(ws))
    shown = table[~table["suppressed"]]
    return pd.DataFrame({"ward_code": shown["ward_code"].astype(str).to_numpy(),
                         "pct_satisfied": 100 * shown["estimate"].to_numpy(),
                         "n_unweighted": shown["n_unweighted"].to_numpy(),
                         "low_base": shown["low_base"].to_numpy(bool),
                         "base_note": base_note(shown["low_base"], shown["suppressed"],
                                                ws.parameters.settings["suppression"]
                                                ).to_numpy()})


def _ward_pi(ws: Workspace, service_id: str, period: str) -> str | None:
    """The service's key PI if it has ward values by ``period``, else its first PI that has."""
    key = ws.services.set_index("service_id").loc[service_id, "key_pi"]
    candidates = ws.indicators.loc[ws.indicators["service_id"] == service_id, "pi_id"].tolist()
    if isinstance(key, str) and key in candidates:
        candidates.remove(key)
        candidates.insert(0, key)
    for pi_id in candidates:
        if len(ward_pi_values(ws, pi_id, period)):
            return pi_id
    return None


def ward_points(ws: Workspace, service_id: str, period: str, *,
                pi_id: str | None = None) -> pd.DataFrame:
    """The wards that :func:`ward_correlation` correlates, one row each.

    Ward % satisfied with the service's headline item in the linked wave (wards at or above
    the suppression base) beside the PI's ward values in the latest quarter at or before
    ``period`` that has them.

    Parameters
    ----------
    ws : Workspace
    service_id, period : str
    pi_id : str, optional
        The PI; by default the service's key PI if it has ward values, else its first PI that
        has.

    Returns
    -------
    DataFrame
        Columns :data:`WARD_POINTS_COLUMNS`: ``ward_code``, ``ward_name``, ``pct_satisfied``,
        ``n_unweighted``, ``low_base`` and ``base_note`` (a base below
        ``settings.suppression.low_base`` in words, :func:`base_note`), ``value`` and
        ``imd_quintile`` (NaN where ``wards.csv`` has none). ``attrs`` holds ``pi_id``,
        ``pi_period``, ``survey_item``, ``wave`` and ``status``: ``ok``, or why there are no
        wards (no ward-level PI values, no survey item, no survey wave yet, the item not
        asked or without valid answers in the wave).
    """
    month = ws.council["financial_year_start_month"]
    pi_id = pi_id or _ward_pi(ws, service_id, period)
    item = headline_item(ws, service_id)
    wave = linked_wave(fielded_waves(ws), period, financial_year_start_month=month)
    pi_values = ward_pi_values(ws, pi_id, period) if pi_id else pd.DataFrame()
    status = ("no ward-level PI values" if pi_values.empty else
              "no survey item" if item is None else
              "no survey wave yet" if wave is None else
              f"not asked in wave {wave}" if not asked(ws, wave, item) else
              f"{NO_VALID_ANSWERS} in wave {wave}" if not has_valid_answers(ws, wave, item) else
              "ok")
    wards = pd.DataFrame(columns=WARD_POINTS_COLUMNS)
    if status == "ok":
        info = ws.wards.set_index("ward_code")
        wards = ward_satisfaction(ws, item, wave).merge(pi_values, on="ward_code")
        wards["ward_name"] = info["ward_name"].reindex(wards["ward_code"]).to_numpy()
        imd = info["imd_quintile"] if "imd_quintile" in info else pd.Series(dtype=float)
        wards["imd_quintile"] = imd.reindex(wards["ward_code"]).to_numpy(float)
        wards = wards[WARD_POINTS_COLUMNS]
    wards.attrs.update(pi_id=pi_id, survey_item=item, wave=wave, status=status,
                       pi_period=None if pi_values.empty else pi_values["period"].iloc[0])
    return wards


def ward_correlation(ws: Workspace, service_id: str, period: str, *,
                     pi_id: str | None = None) -> pd.DataFrame:
    """Across wards, how ward satisfaction with the service goes with a PI's ward values.

    Pearson's r between ward % satisfied and the PI's ward values (:func:`ward_points`), then
    the partial correlation controlling for the wards' IMD quintile; both by
    :func:`pingouin.corr` and :func:`pingouin.partial_corr`, with 95% intervals (Fisher's z)
    and two-sided p-values.

    Parameters
    ----------
    ws : Workspace
    service_id, period : str
    pi_id : str, optional
        As :func:`ward_points`.

    Returns
    -------
    DataFrame
        Columns :data:`WARD_CORRELATION_COLUMNS`: a ``correlation`` row and a ``partial
        correlation (IMD quintile)`` row. ``status`` is ``ok``, or says why there is no number
        (no ward values, no survey item or wave, not enough wards, no IMD quintiles); then the
        statistics are NaN.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> table = ward_correlation(load_workspace(), "street_cleansing", "2025-26 Q2")
    >>> table[["analysis", "pi_id", "n", "status"]].values.tolist()[0]
    ['correlation', 'SC01', 20, 'ok']
    >>> bool(table["r"].iloc[0] < 0)  # dirtier wards, less satisfied residents
    True
    """
    import pingouin

    wards = ward_points(ws, service_id, period, pi_id=pi_id)
    base = {key: wards.attrs[key] for key in ("pi_id", "pi_period", "survey_item", "wave")}
    analyses = ["correlation", "partial correlation (IMD quintile)"]
    minimum = ws.parameters.settings["linkage"]["min_wards"]
    status = wards.attrs["status"]
    if status == "ok" and len(wards) < minimum:
        status = f"not enough wards ({len(wards)}; at least {minimum} needed)"
    if status != "ok":
        return pd.DataFrame([{**base, "analysis": name, "n": len(wards), "status": status}
                             for name in analyses]).reindex(columns=WARD_CORRELATION_COLUMNS)
    simple = pingouin.corr(wards["pct_satisfied"], wards["value"])
    rows = [{**base, **_pingouin_row(simple), "analysis": analyses[0], "status": "ok"}]
    if wards["imd_quintile"].isna().any():
        rows.append({**base, "analysis": analyses[1], "n": len(wards),
                     "status": "no IMD quintile in wards.csv"})
    else:
        partial = pingouin.partial_corr(data=wards, x="pct_satisfied", y="value",
                                        covar="imd_quintile")
        rows.append({**base, **_pingouin_row(partial, covariates=1), "analysis": analyses[1],
                     "status": "ok"})
    return pd.DataFrame(rows).reindex(columns=WARD_CORRELATION_COLUMNS)


def _pingouin_row(result: pd.DataFrame, covariates: int = 0) -> dict:
    """n, r, p from pingouin; the 95% interval recomputed unrounded by pingouin's own
    Fisher-z rule (its table shows it to two decimals), on n − ``covariates`` as it does."""
    import pingouin

    row = result.iloc[0]
    n, r = int(row["n"]), float(row["r"])
    low, high = pingouin.compute_esci(stat=r, nx=n - covariates, ny=n - covariates,
                                      eftype="r", decimals=12)
    return {"n": n, "r": r, "ci_low": float(low), "ci_high": float(high),
            "p_value": float(row["p_val"])}
