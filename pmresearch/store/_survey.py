"""The resident-survey tables of the evidence store: weighted % satisfied by wave, change since
the wave before, groups against the rest (wards and equality fields), and how far weighting
moved each wave. Each wave is raked once for the whole store."""

from __future__ import annotations

import pandas as pd

from .. import estimates, linkage
from ..evidence import EQUALITY_FIELDS

__all__ = ["changes", "satisfaction", "subgroups", "survey_status",
           "unfielded_note", "waves_to", "weighting_quality"]

_NO_VALID_ANSWERS_TEXT = (f"has {linkage.NO_VALID_ANSWERS} to this service's questions (every "
                          "answer was don't know)")


def waves_to(ws, period: str, *, fielded: bool = True) -> list[str]:
    """Waves whose fieldwork ended by the end of ``period``, oldest first: those with
    respondents, or with ``fielded=False`` every wave listed."""
    waves = linkage.fielded_waves(ws) if fielded else ws.survey_waves
    return linkage.waves_to(waves, period,
                            financial_year_start_month=ws.council["financial_year_start_month"])


def unfielded_note(ws, period: str) -> str:
    """A sentence naming the waves listed as ended by ``period`` that have no responses yet."""
    fielded = set(waves_to(ws, period))
    waiting = [wave for wave in waves_to(ws, period, fielded=False) if wave not in fielded]
    if not waiting:
        return ""
    named = ", ".join(repr(wave) for wave in waiting)
    many = len(waiting) > 1
    return (f"Survey wave{'s' if many else ''} {named} {'are' if many else 'is'} in "
            f"survey_waves.csv but {'have' if many else 'has'} no responses yet, so "
            f"{'they are' if many else 'it is'} left out.")


def _questions(ws, items: pd.Series) -> pd.Series:
    return items.map(ws.survey_items.set_index("item")["question"])


def _notes(ws, table: pd.DataFrame) -> pd.Series:
    return linkage.estimate_base_notes(table, ws.parameters.settings["suppression"])


def _proportion(ws, item: str, wave: str) -> pd.DataFrame:
    if not linkage.has_valid_answers(ws, wave, item):
        # Every answer was "don't know": no estimate, a base of 0 and the note that says so.
        return pd.DataFrame([{"item": item, "n_unweighted": 0, "n_weighted": 0.0,
                              "pct_dont_know": 100.0, "low_base": False, "suppressed": True}])
    return estimates.proportion(linkage.weighted_wave(ws, wave).design, item,
                                **linkage.suppression_options(ws))


def satisfaction(ws, period: str) -> pd.DataFrame:
    """Weighted % satisfied with each service's survey items in each wave up to ``period``
    that asked them: the estimate, its 95% interval and design effect (allowing for the
    raking, :func:`pmresearch.estimates.proportion`), bases and the base note."""
    parts = []
    for service_id in ws.services["service_id"]:
        for wave in waves_to(ws, period):
            for item in linkage.service_items(ws, service_id):
                if linkage.asked(ws, wave, item):
                    parts.append(ws.derived(("proportion", item, wave),
                                            lambda: _proportion(ws, item, wave))
                                 .assign(service_id=service_id, wave=wave))
    if not parts:
        return pd.DataFrame(columns=["service_id", "item", "wave", "question", "note"])
    table = _percent(pd.concat(parts, ignore_index=True), ["estimate", "ci_low", "ci_high"])
    return table.assign(question=_questions(ws, table["item"]), note=_notes(ws, table))


def changes(ws, period: str) -> pd.DataFrame:
    """For each service's survey item, the change in weighted % satisfied between the last two
    waves up to ``period`` with valid answers, tested two-sided on independent samples at
    ``significance.alpha`` (:func:`pmresearch.estimates.compare_waves`)."""
    alpha = ws.parameters.settings["significance"]["alpha"]
    parts = []
    for service_id in ws.services["service_id"]:
        for item in linkage.service_items(ws, service_id):
            waves = [wave for wave in waves_to(ws, period)
                     if linkage.has_valid_answers(ws, wave, item)]
            if len(waves) < 2:
                continue
            before, after = waves[-2:]
            comparison = ws.derived(("compare_waves", item, before, after), lambda: (
                estimates.compare_waves(linkage.weighted_wave(ws, before).design,
                                        linkage.weighted_wave(ws, after).design, item,
                                        alpha=alpha, **linkage.suppression_options(ws))))
            parts.append(comparison.assign(service_id=service_id, wave_from=before,
                                           wave_to=after))
    if not parts:
        return pd.DataFrame(columns=["service_id", "item", "wave_from", "wave_to", "question",
                                     "verdict", "note"])
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high"])
    return table.assign(question=_questions(ws, table["item"]),
                        verdict=[linkage.change_verdict(row) for row in table.itertuples()],
                        note=_notes(ws, table))


def survey_status(ws, service_id: str, period: str) -> dict:
    """Why a service's group tables are empty, if they are: ``latest_wave`` (or None) and
    ``subgroup_status`` ("" when there is something to show)."""
    items = linkage.service_items(ws, service_id)
    waves = waves_to(ws, period)
    wave = waves[-1] if waves else None
    status = ""
    if not items:
        status = "no survey item"
    elif wave is None:
        status = "no wave"
    elif not any(linkage.has_valid_answers(ws, wave, item) for item in items):
        why = (_NO_VALID_ANSWERS_TEXT if any(linkage.asked(ws, wave, item) for item in items)
               else "did not ask about this service")
        status = f"Survey wave {wave} {why}."
    return {"latest_wave": wave, "subgroup_status": status}


def subgroups(ws, period: str) -> pd.DataFrame:
    """Each ward, and each group of each equality field the survey holds, against everyone
    else on each service's survey items in the latest wave up to ``period``
    (:func:`pmresearch.estimates.compare_subgroups`; p-values Benjamini–Hochberg adjusted
    within each item and field). ``characteristic`` is the survey column (``ward_code``,
    ``age_band`` …), ``group`` the value as recorded and ``group_label`` it in words (a ward's
    name)."""
    waves = waves_to(ws, period)
    if not waves:
        return pd.DataFrame(columns=["service_id", "item", "characteristic", "group",
                                     "group_label", "question", "verdict", "note"])
    wave = waves[-1]
    alpha = ws.parameters.settings["significance"]["alpha"]
    fields = ["ward_code"] + [name for name in EQUALITY_FIELDS
                              if ws.filled("survey_responses", name)]
    names = dict(zip(ws.wards["ward_code"].astype(str), ws.wards["ward_name"]))
    parts = []
    for service_id in ws.services["service_id"]:
        for item in linkage.service_items(ws, service_id):
            if not linkage.has_valid_answers(ws, wave, item):
                continue
            for column in fields:
                table = ws.derived(("compare_subgroups", item, wave, column), lambda: (
                    estimates.compare_subgroups(linkage.weighted_wave(ws, wave).design, item,
                                                column, alpha=alpha,
                                                **linkage.suppression_options(ws))))
                group = table[column].astype(str)
                label = group.replace(names) if column == "ward_code" else group
                parts.append(table.drop(columns=[column]).assign(
                    service_id=service_id, wave=wave, characteristic=column, group=group,
                    group_label=label))
    if not parts:
        return pd.DataFrame(columns=["service_id", "item", "characteristic", "group",
                                     "group_label", "question", "verdict", "note"])
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate", "estimate_rest", "difference"])
    return table.assign(question=_questions(ws, table["item"]),
                        verdict=[_subgroup_verdict(row) for row in table.itertuples()],
                        note=_notes(ws, table))


def _subgroup_verdict(row) -> str:
    # The base (low or suppressed) is in the table's note, the same words on every row.
    if row.suppressed:
        return "not tested"
    if not row.significant:
        return "no significant difference"
    return "significantly higher" if row.difference > 0 else "significantly lower"


def weighting_quality(ws, period: str) -> pd.DataFrame:
    """How far weighting moved each wave up to ``period``: respondents, effective base, Kish
    design effect, largest margin miss, weight ratio and weights trimmed."""
    rows = []
    for wave in waves_to(ws, period):
        diagnostics = linkage.weighted_wave(ws, wave).diagnostics
        rows.append({"wave": wave, "respondents": int((ws.survey_responses["wave"] == wave).sum()),
                     "effective_n": diagnostics.effective_n,
                     "design_effect": diagnostics.design_effect,
                     "max_margin_error": diagnostics.max_margin_error,
                     "weight_ratio": diagnostics.weight_ratio,
                     "n_trimmed": diagnostics.n_trimmed})
    return pd.DataFrame(rows, columns=["wave", "respondents", "effective_n", "design_effect",
                                       "max_margin_error", "weight_ratio", "n_trimmed"])


def _percent(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``table`` with the proportions in ``columns`` as percentages."""
    return table.assign(**{column: 100 * table[column].astype(float) for column in columns
                           if column in table})
