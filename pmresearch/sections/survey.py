"""The resident survey in a pack: weighted % satisfied by wave, change since the last wave,
ward and equality breakdowns, and how far weighting moved each wave."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from .. import estimates, evidence, linkage
from ..workspace import Workspace
from ._common import _base_note, _md, _question_of, _service, styled_table

__all__ = ["EQUALITY_FIELDS", "change_since_last_wave", "equality_breakdown",
           "satisfaction_by_wave", "ward_breakdown", "weighting_quality"]

#: Equality fields shown when present in the survey (protected characteristics or proxies).
EQUALITY_FIELDS = evidence.EQUALITY_FIELDS
_NO_VALID_ANSWERS_TEXT = (f"has {linkage.NO_VALID_ANSWERS} to this service's questions (every "
                         "answer was don't know)")


def _survey_items(ws: Workspace, service_id: str) -> list[str]:
    items = str(_service(ws, service_id)["survey_items"])
    return [item.strip() for item in items.split(";") if item.strip()]


def _waves_to(ws: Workspace, period: str, *, fielded: bool = True) -> list[str]:
    """Waves whose fieldwork ended by the end of ``period``, oldest first: those with
    respondents, or with ``fielded=False`` every wave listed."""
    waves = linkage.fielded_waves(ws) if fielded else ws.survey_waves
    return linkage.waves_to(waves, period,
                            financial_year_start_month=ws.council["financial_year_start_month"])


def _unfielded_note(ws: Workspace, period: str) -> str:
    """A sentence naming the waves listed as ended by ``period`` that have no responses yet."""
    fielded = set(_waves_to(ws, period))
    waiting = [wave for wave in _waves_to(ws, period, fielded=False) if wave not in fielded]
    if not waiting:
        return ""
    named = ", ".join(repr(wave) for wave in waiting)
    return (f"Survey wave{'s' if len(waiting) > 1 else ''} {named} "
            f"{'are' if len(waiting) > 1 else 'is'} in survey_waves.csv but "
            f"{'have' if len(waiting) > 1 else 'has'} no responses yet, so "
            f"{'they are' if len(waiting) > 1 else 'it is'} left out.")


def _percent(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``table`` with the proportions in ``columns`` as percentages."""
    return table.assign(**{column: 100 * table[column] for column in columns})


def _no_survey_item() -> Markdown:
    return Markdown("_The resident survey has no question about this service._")


def _no_wave(note: str = "") -> Markdown:
    return Markdown(" ".join(["_No survey wave ended by the end of this period._",
                              _md(note) if note else ""]).strip())


def _no_valid_answers(item: str, wave: str) -> pd.DataFrame:
    """The row of an estimate table for an item a wave asked whose every answer was "don't
    know": no estimate, a base of 0, and the note :data:`pmresearch.linkage.NO_VALID_ANSWERS`
    (from :func:`_base_note`)."""
    return pd.DataFrame([{"item": item, "wave": wave, "n_unweighted": 0, "n_weighted": 0.0,
                          "pct_dont_know": 100.0, "low_base": False, "suppressed": True}])


def satisfaction_by_wave(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Weighted % satisfied with the service's survey items in each wave up to ``period``.

    Each wave is raked to the population margins (:func:`pmresearch.weighting.weight_wave`);
    intervals and design effects account for the raking (:func:`pmresearch.estimates.proportion`).
    """
    items = _survey_items(ws, service_id)
    if not items:
        return _no_survey_item()
    parts = []
    for wave in _waves_to(ws, period):
        for item in items:
            if not linkage.asked(ws, wave, item):
                continue
            if not linkage.has_valid_answers(ws, wave, item):
                parts.append(_no_valid_answers(item, wave))
                continue
            parts.append(estimates.proportion(linkage.weighted_wave(ws, wave).design, item,
                                              **linkage.suppression_options(ws)).assign(wave=wave))
    note = _unfielded_note(ws, period)
    if not parts:
        return _no_wave(note)
    table = _percent(pd.concat(parts, ignore_index=True), ["estimate", "ci_low", "ci_high"])
    table["question"] = _question_of(ws, table["item"])
    table["note"] = _base_note(ws, table)
    return styled_table(table, {
        "question": "Question", "wave": "Wave", "estimate": "% satisfied",
        "ci_low": "95% CI from", "ci_high": "95% CI to", "pct_dont_know": "% don't know",
        "n_unweighted": "Base (unweighted)", "n_weighted": "Base (weighted)",
        "deff": "Design effect of the estimate", "note": "Note"},
        {"estimate": "{:.0f}", "ci_low": "{:.0f}", "ci_high": "{:.0f}", "pct_dont_know": "{:.0f}",
         "n_unweighted": "{:,}", "n_weighted": "{:,.0f}", "deff": "{:.2f}"}, caption=note)


def change_since_last_wave(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Change in weighted % satisfied between the last two waves with valid answers to each
    item.

    The test is two-sided on independent samples with design-based standard errors; the
    significance level is ``significance.alpha`` in ``rules.yaml``.
    """
    items = _survey_items(ws, service_id)
    if not items:
        return _no_survey_item()
    alpha = ws.parameters.settings["significance"]["alpha"]
    parts = []
    for item in items:
        waves = [wave for wave in _waves_to(ws, period)
                 if linkage.has_valid_answers(ws, wave, item)]
        if len(waves) < 2:
            continue
        before, after = waves[-2:]
        comparison = estimates.compare_waves(linkage.weighted_wave(ws, before).design,
                                             linkage.weighted_wave(ws, after).design, item,
                                             alpha=alpha, **linkage.suppression_options(ws))
        parts.append(comparison.assign(wave_from=before, wave_to=after))
    if not parts:
        return Markdown("_Fewer than two survey waves have valid answers about this "
                        "service._")
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high"])
    table["question"] = _question_of(ws, table["item"])
    table["verdict"] = [linkage.change_verdict(row) for row in table.itertuples()]
    table["note"] = _base_note(ws, table)
    return styled_table(table, {
        "question": "Question", "wave_from": "From", "wave_to": "To", "estimate_a": "% then",
        "estimate_b": "% now", "difference": "Change (points)", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "verdict": "Verdict", "note": "Note"},
        {"estimate_a": "{:.0f}", "estimate_b": "{:.0f}", "difference": "{:+.1f}",
         "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": "{:.3f}"})


def _subgroup_table(ws: Workspace, service_id: str, period: str, by: list[str],
                    labels: dict[str, dict[str, str]] | None = None) -> Styler | Markdown:
    """Each group of each ``by`` column against everyone else, latest wave; ``labels`` gives
    a column's groups names for reading (ward codes to ward names)."""
    items = _survey_items(ws, service_id)
    if not items:
        return _no_survey_item()
    waves = _waves_to(ws, period)
    if not waves:
        return _no_wave()
    wave = waves[-1]
    design = linkage.weighted_wave(ws, wave).design
    alpha = ws.parameters.settings["significance"]["alpha"]
    answered = [item for item in items if linkage.has_valid_answers(ws, wave, item)]
    if not answered:
        why = (_NO_VALID_ANSWERS_TEXT if any(linkage.asked(ws, wave, item) for item in items)
               else "did not ask about this service")
        return Markdown(f"_Survey wave {_md(wave)} {why}._")
    parts = []
    for item in answered:
        for column in by:
            table = estimates.compare_subgroups(design, item, column, alpha=alpha,
                                                **linkage.suppression_options(ws))
            group = table[column].astype(str)
            if labels and column in labels:
                group = group.replace(labels[column])
            parts.append(table.drop(columns=[column]).assign(characteristic=column, group=group))
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate", "estimate_rest", "difference"])
    table["question"] = _question_of(ws, table["item"])
    table["characteristic"] = table["characteristic"].str.replace("_", " ").str.capitalize()
    table["verdict"] = [_subgroup_verdict(row) for row in table.itertuples()]
    table["note"] = _base_note(ws, table)
    shown = {"question": "Question", "characteristic": "Characteristic", "group": "Group",
             "estimate": "% satisfied", "estimate_rest": "% everyone else",
             "difference": "Difference (points)", "n_unweighted": "Base (unweighted)",
             "p_adjusted": "p (BH-adjusted)", "verdict": "Verdict", "note": "Note"}
    if len(by) == 1:
        del shown["characteristic"]
    return styled_table(table, shown,
                        {"estimate": "{:.0f}", "estimate_rest": "{:.0f}", "difference": "{:+.1f}",
                         "n_unweighted": "{:,}", "p_adjusted": "{:.3f}"},
                        caption=f"Survey wave {wave}; each group against everyone else who "
                                "answered")


def _subgroup_verdict(row) -> str:
    # The base (low or suppressed) is in the table's Note, the same words on every row.
    if row.suppressed:
        return "not tested"
    if not row.significant:
        return "no significant difference"
    return "significantly higher" if row.difference > 0 else "significantly lower"


def ward_breakdown(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Weighted % satisfied in each ward against the rest of the borough, latest wave."""
    names = dict(zip(ws.wards["ward_code"], ws.wards["ward_name"]))
    return _subgroup_table(ws, service_id, period, ["ward_code"], {"ward_code": names})


def equality_breakdown(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Weighted % satisfied by age, sex, ethnic group and disability, latest wave."""
    fields = [name for name in EQUALITY_FIELDS if ws.filled("survey_responses", name)]
    return _subgroup_table(ws, service_id, period, fields)


def weighting_quality(ws: Workspace, period: str) -> Styler | Markdown:
    """How far weighting moved each wave: design effect, effective base, margins achieved."""
    waves = _waves_to(ws, period)
    if not waves:
        return _no_wave()
    rows = []
    for wave in waves:
        diagnostics = linkage.weighted_wave(ws, wave).diagnostics
        rows.append({"wave": wave, "respondents": int((ws.survey_responses["wave"] == wave).sum()),
                     "effective_n": diagnostics.effective_n,
                     "design_effect": diagnostics.design_effect,
                     "max_margin_error": diagnostics.max_margin_error,
                     "weight_ratio": diagnostics.weight_ratio,
                     "n_trimmed": diagnostics.n_trimmed})
    return styled_table(pd.DataFrame(rows), {
        "wave": "Wave", "respondents": "Respondents", "effective_n": "Effective base",
        "design_effect": "Design effect of the weights (Kish)",
        "max_margin_error": "Largest margin miss (points)",
        "weight_ratio": "Largest / smallest weight", "n_trimmed": "Weights trimmed"},
        {"respondents": "{:,}", "effective_n": "{:,.0f}", "design_effect": "{:.2f}",
         "max_margin_error": "{:.2g}", "weight_ratio": "{:.1f}", "n_trimmed": "{:,}"})
