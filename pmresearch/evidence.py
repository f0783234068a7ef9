"""The evidence the rules read: one table per kind of subject, for a period.

Rules (:mod:`pmresearch.rules`) judge *subjects*: a service, a PI, a ward, a resident group, a
consultation theme or a survey wave. :func:`gather_evidence` builds one table per kind, each
with the columns ``service_id``, ``period`` and ``subject`` (the label a finding names) and
the fields listed in :data:`EVIDENCE_FIELDS`, which is also what a rule file is checked
against when it is loaded: a rule naming a field that is not here is an error, not a silent
"false".

* ``service`` — :func:`pmresearch.linkage.evidence_table`: the key PI, the linked survey wave
  and the comments, for every quarter up to the period (so rules can ask "for 3 quarters").
* ``pi`` — :func:`pmresearch.performance.assess_indicators` for every PI and quarter up to
  the period, with the PI's name, unit and whether it is the service's key PI.
* ``ward`` — each ward against the rest of the borough on the service's headline survey item,
  in the wave linked to the period (:func:`pmresearch.estimates.compare_subgroups`).
* ``subgroup`` — each group of each equality field (age band, sex, ethnic group,
  disability) against everyone else, on the service's headline item and, under the service
  ``council``, on the council-wide items (survey items no service claims, such as
  satisfaction with the council).
* ``theme`` — the service's consultation themes in the four quarters to the period's end
  (:func:`pmresearch.coding.theme_summary`), with how many of the comments raising each
  (campaigns counted once) could be quoted (``quotable``: no personal data found in them).
* ``wave`` — how weighting went for the linked wave (service ``council``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import coding, estimates, linkage
from .periods import check_period
# The catalogue lives in the bottom layer (the rule parser reads it); re-exported here.
from .catalogue import _B, _N, COUNCIL, EQUALITY_FIELDS, EVIDENCE_FIELDS
from .workspace import Workspace

__all__ = ["COUNCIL", "EVIDENCE_FIELDS", "EQUALITY_FIELDS", "council_items", "evidence_for",
           "findings_for", "gather_evidence"]

_KEYS = ["service_id", "period", "subject"]


def council_items(ws: Workspace) -> list[str]:
    """Survey items no service claims (satisfaction with the area, the council, value for
    money …), in ``survey_items.csv`` order."""
    claimed = {item.strip() for items in ws.services["survey_items"].fillna("").astype(str)
               for item in items.split(";")}
    return [item for item in ws.survey_items["item"] if item not in claimed
            and item in ws.survey_responses.columns]


def _frame(kind: str, rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The table of one kind with exactly its catalogued columns, each of its kind's dtype
    (numbers as floats, yes/no as nullable booleans), so rules compare like with like."""
    columns = _KEYS + list(EVIDENCE_FIELDS[kind])
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    table = table.reindex(columns=columns)
    for field, field_kind in EVIDENCE_FIELDS[kind].items():
        if field_kind == _N:
            table[field] = pd.to_numeric(table[field], errors="raise").astype(float)
        elif field_kind == _B:
            table[field] = table[field].astype("boolean")
    return table


def _services(ws: Workspace, period: str) -> pd.DataFrame:
    periods = linkage.quarters(ws.pi_values["period"].min(), period)
    return _frame("service", [linkage.evidence_table(ws, periods=periods)
                              .assign(subject=lambda t: t["service_name"])])


def _pis(ws: Workspace, period: str) -> pd.DataFrame:
    assessed = linkage.assessed_indicators(ws)
    assessed = assessed[assessed["period"] <= period]
    info = ws.indicators.set_index("pi_id")
    key_pis = set(ws.services["key_pi"].dropna().astype(str))
    commentary = assessed["commentary"].astype(object).fillna("").astype(str).str.strip()
    return _frame("pi", [assessed.assign(
        subject=assessed["pi_id"], name=info["name"].reindex(assessed["pi_id"]).to_numpy(),
        unit=info["unit"].reindex(assessed["pi_id"]).to_numpy(),
        is_key=assessed["pi_id"].isin(key_pis), has_commentary=commentary != "")])


def _group_rows(ws: Workspace, design, item: str, column: str) -> pd.DataFrame:
    """Each group of ``column`` against the rest on ``item``, in percentage points."""
    table = estimates.compare_subgroups(
        design, item, column, alpha=ws.parameters.settings["significance"]["alpha"],
        **linkage.suppression_options(ws))
    return pd.DataFrame({
        "group": table[column].astype(str).to_numpy(), "survey_item": item,
        "pct_satisfied": 100 * table["estimate"].to_numpy(float),
        "pct_rest": 100 * table["estimate_rest"].to_numpy(float),
        "difference_points": 100 * table["difference"].to_numpy(float),
        "p_value": table["p_value"].to_numpy(float),
        "p_adjusted": table["p_adjusted"].to_numpy(float),
        "significant": table["significant"].to_numpy(bool),
        "n_unweighted": table["n_unweighted"].to_numpy(),
        "suppressed": table["suppressed"].to_numpy(bool),
        "low_base": table["low_base"].to_numpy(bool)})


def _survey_groups(ws: Workspace, period: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``ward`` and ``subgroup`` tables for the wave linked to ``period`` (items without a
    valid answer in it have none)."""
    wave = _linked_wave(ws, period)
    if wave is None:
        return _frame("ward", []), _frame("subgroup", [])
    design = linkage.weighted_wave(ws, wave).design
    fields = [name for name in EQUALITY_FIELDS if ws.filled("survey_responses", name)]
    wards = ws.wards.set_index("ward_code")
    ward_rows, group_rows = [], []
    items = [(service, linkage.headline_item(ws, service)) for service in ws.services["service_id"]]
    items += [(COUNCIL, item) for item in council_items(ws)]
    for service_id, item in items:
        if item is None or not linkage.has_valid_answers(ws, wave, item):
            continue
        keys = {"service_id": service_id, "period": period, "wave": wave}
        if service_id != COUNCIL:
            rows = _group_rows(ws, design, item, "ward_code")
            names = wards["ward_name"].reindex(rows["group"]).to_numpy()
            imd = (wards["imd_quintile"].reindex(rows["group"]).to_numpy(float)
                   if "imd_quintile" in wards else np.nan)
            ward_rows.append(rows.rename(columns={"group": "ward_code"}).assign(
                subject=names, ward_name=names, imd_quintile=imd, **keys))
        for field in fields:
            rows = _group_rows(ws, design, item, field)
            label = field.replace("_", " ")
            subject = (label + " " + rows["group"]) if service_id != COUNCIL else \
                (label + " " + rows["group"] + " (" + item + ")")
            group_rows.append(rows.assign(subject=subject, characteristic=field, **keys))
    return _frame("ward", ward_rows), _frame("subgroup", group_rows)


def _themes(ws: Workspace, period: str) -> pd.DataFrame:
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    settings = ws.parameters.settings["coding"]
    dates = pd.to_datetime(coded.comments["date"])
    rows = []
    for service_id in ws.services["service_id"]:
        table = coding.theme_summary(coded, ws.parameters.codeframe, service_id, start, end,
                                     settings)
        if table.empty:
            continue
        window = coded.comments[(coded.comments["service_id"] == service_id)
                                & dates.between(start, end)]
        quotable = window[~window["personal_data_found"].astype(bool)
                          & ~window["redaction_uncertain"].astype(bool)]
        mentions = coded.mentions[coded.mentions["comment_id"].isin(quotable["comment_id"])]
        counts = mentions.groupby("code")["group"].nunique()  # a campaign counts once
        rows.append(table.assign(
            service_id=service_id, period=period, subject=table["code"] + " " + table["label"],
            comment_base=table.attrs["base"],
            quotable=counts.reindex(table["code"]).fillna(0).to_numpy(int)))
    return _frame("theme", rows)


def _linked_wave(ws: Workspace, period: str) -> str | None:
    """The fielded wave linked to ``period`` (:func:`pmresearch.linkage.linked_wave`)."""
    return linkage.linked_wave(linkage.fielded_waves(ws), period,
                               financial_year_start_month=ws.council["financial_year_start_month"])


def _waves(ws: Workspace, period: str) -> pd.DataFrame:
    wave = _linked_wave(ws, period)
    if wave is None:
        return _frame("wave", [])
    d = linkage.weighted_wave(ws, wave).diagnostics
    return _frame("wave", [pd.DataFrame([{
        "service_id": COUNCIL, "period": period, "subject": f"survey wave {wave}", "wave": wave,
        "respondents": int((ws.survey_responses["wave"] == wave).sum()),
        "design_effect": d.design_effect, "effective_n": d.effective_n,
        "max_margin_error": d.max_margin_error, "weight_ratio": d.weight_ratio,
        "n_trimmed": d.n_trimmed}])])


def gather_evidence(ws: Workspace, period: str) -> dict[str, pd.DataFrame]:
    """Every subject table the rules read, for ``period`` (and the quarters before it where a
    rule may look back).

    Parameters
    ----------
    ws : Workspace
    period : str
        The quarter judged, e.g. ``'2025-26 Q2'``.

    Returns
    -------
    dict of str to DataFrame
        One table per key of :data:`EVIDENCE_FIELDS`, with ``service_id``, ``period``,
        ``subject`` and that kind's fields.

    Raises
    ------
    pmresearch.errors.PeriodError
        ``period`` is not a quarter the workspace holds data for
        (:func:`pmresearch.periods.check_period`).

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> evidence = gather_evidence(load_workspace(), "2025-26 Q2")
    >>> sorted(evidence)
    ['pi', 'service', 'subgroup', 'theme', 'ward', 'wave']
    >>> wards = evidence["ward"]
    >>> street = wards[(wards["service_id"] == "street_cleansing") & wards["significant"]
    ...                & (wards["difference_points"] < 0)]
    >>> street["ward_code"].tolist()
    ['AB05', 'AB13']
    """
    check_period(ws, period, name="period")
    wards, groups = _survey_groups(ws, period)
    return {"service": _services(ws, period), "pi": _pis(ws, period), "ward": wards,
            "subgroup": groups, "theme": _themes(ws, period), "wave": _waves(ws, period)}


def evidence_for(ws: Workspace, period: str) -> dict[str, pd.DataFrame]:
    """:func:`gather_evidence`, once per loaded workspace and period (treat it as read-only)."""
    return ws.derived(("evidence", period), lambda: gather_evidence(ws, period))


def findings_for(ws: Workspace, period: str, *, services: list[str] | None = None,
                 gathered: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The workspace's rules applied to its evidence for ``period``: the findings table.

    Each service's ``parameters/services/<id>.yaml`` may switch rules off or change their
    params (its ``rules:`` block); council-wide subjects (service ``council``) use the rules as
    written.

    Parameters
    ----------
    ws : Workspace
    period : str
    services : list of str, optional
        Only these services' findings (``council`` for the council-wide ones); default all.
    gathered : dict of DataFrame, optional
        The evidence (:func:`gather_evidence`) if already gathered; gathered here otherwise.

    Returns
    -------
    DataFrame
        :data:`pmresearch.rules.FINDINGS_COLUMNS`, most severe first. ``base_note`` says
        "low base …" or "suppressed …" (:func:`pmresearch.linkage.base_note`) where the finding
        rests on a survey estimate with such a base: a ward's or group's, or a service's headline
        estimate when the condition read a survey field.

    Examples
    --------
    >>> from pmresearch.workspace import load_workspace
    >>> found = findings_for(load_workspace(), "2025-26 Q2", services=["street_cleansing"])
    >>> found.loc[0, ["severity", "rule_id"]].tolist()
    ['high', 'priority_for_review']
    """
    overrides = {service_id: data["rules"] for service_id, data in ws.parameters.services.items()
                 if data.get("rules")}
    gathered = gathered if gathered is not None else evidence_for(ws, period)
    found = ws.parameters.rules.evaluate(gathered, period=period, overrides=overrides,
                                         services=services)
    found["base_note"] = _base_notes(ws, found, gathered)
    return found


#: The service evidence fields that come from the resident survey.
_SURVEY_FIELDS = frozenset(linkage.EVIDENCE_COLUMNS[
    linkage.EVIDENCE_COLUMNS.index("survey_item"):
    linkage.EVIDENCE_COLUMNS.index("change_verdict") + 1])


def _base_notes(ws: Workspace, found: pd.DataFrame, gathered: dict) -> pd.Series:
    """The base note of the survey estimate each finding rests on; blank for the others."""
    suppression = ws.parameters.settings["suppression"]
    notes = pd.Series("", index=found.index, dtype=object)
    keys = ["service_id", "period", "subject"]
    for kind in ("service", "ward", "subgroup"):
        mine = found[found["applies_to"] == kind]
        if mine.empty:
            continue
        table = gathered[kind]
        flags = [c for c in ("n_unweighted", "low_base", "suppressed") if c in table]
        subject = mine[keys].merge(table[keys + flags], on=keys, how="left")
        note = linkage.estimate_base_notes(subject, suppression).set_axis(mine.index)
        if kind == "service":
            named = mine["evidence"].fillna("").str.split("; ").map(
                lambda parts: {part.split(" = ")[0] for part in parts})
            note = note.where(named.map(lambda fields: bool(fields & _SURVEY_FIELDS)), "")
        notes[mine.index] = note
    return notes
