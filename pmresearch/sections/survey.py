"""The resident survey in a pack: weighted % satisfied by wave, change since the last wave,
ward and equality breakdowns, and how far weighting moved each wave, each read from the
evidence store (:mod:`pmresearch.store`)."""

from __future__ import annotations

from IPython.display import Markdown
from pandas.io.formats.style import Styler

from ..store import EvidenceStore
from ._common import _md, styled_table

__all__ = ["change_since_last_wave", "equality_breakdown", "satisfaction_by_wave",
           "ward_breakdown", "weighting_quality"]


def _no_survey_item() -> Markdown:
    return Markdown("_The resident survey has no question about this service._")


def _no_wave(note: str = "") -> Markdown:
    return Markdown(" ".join(["_No survey wave ended by the end of this period._",
                              _md(note) if note else ""]).strip())


def satisfaction_by_wave(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """Weighted % satisfied with the service's survey items in each wave up to the period.

    Each wave is raked to the population margins (:func:`pmresearch.weighting.weight_wave`);
    intervals and design effects account for the raking (:func:`pmresearch.estimates.proportion`).
    """
    if not store.service(service_id)["survey_items"]:
        return _no_survey_item()
    table = store.rows("satisfaction", service_id)
    note = store.meta["unfielded_note"]
    if table.empty:
        return _no_wave(note)
    return styled_table(table, {
        "question": "Question", "wave": "Wave", "estimate": "% satisfied",
        "ci_low": "95% CI from", "ci_high": "95% CI to", "pct_dont_know": "% don't know",
        "n_unweighted": "Base (unweighted)", "n_weighted": "Base (weighted)",
        "deff": "Design effect of the estimate", "note": "Note"},
        {"estimate": "{:.0f}", "ci_low": "{:.0f}", "ci_high": "{:.0f}", "pct_dont_know": "{:.0f}",
         "n_unweighted": "{:,}", "n_weighted": "{:,.0f}", "deff": "{:.2f}"}, caption=note)


def change_since_last_wave(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """Change in weighted % satisfied between the last two waves with valid answers to each
    item.

    The test is two-sided on independent samples with design-based standard errors; the
    significance level is ``significance.alpha`` in ``rules.yaml``.
    """
    if not store.service(service_id)["survey_items"]:
        return _no_survey_item()
    table = store.rows("wave_changes", service_id)
    if table.empty:
        return Markdown("_Fewer than two survey waves have valid answers about this "
                        "service._")
    return styled_table(table, {
        "question": "Question", "wave_from": "From", "wave_to": "To", "estimate_a": "% then",
        "estimate_b": "% now", "difference": "Change (points)", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "verdict": "Verdict", "note": "Note"},
        {"estimate_a": "{:.0f}", "estimate_b": "{:.0f}", "difference": "{:+.1f}",
         "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": "{:.3f}"})


def _subgroup_table(store: EvidenceStore, service_id: str, *, wards: bool) -> Styler | Markdown:
    """Each ward (``wards=True``) or each group of each equality field against everyone
    else, latest wave."""
    service = store.service(service_id)
    status = service["subgroup_status"]
    if status == "no survey item":
        return _no_survey_item()
    if status == "no wave":
        return _no_wave()
    if status:
        return Markdown(f"_{_md(status)}_")
    table = store.rows("survey_groups", service_id)
    table = table[(table["characteristic"] == "ward_code") == wards]
    table = table.assign(group=table["group_label"], characteristic=table["characteristic"]
                         .str.replace("_", " ").str.capitalize())
    shown = {"question": "Question", "characteristic": "Characteristic", "group": "Group",
             "estimate": "% satisfied", "estimate_rest": "% everyone else",
             "difference": "Difference (points)", "n_unweighted": "Base (unweighted)",
             "p_adjusted": "p (BH-adjusted)", "verdict": "Verdict", "note": "Note"}
    if wards or table["characteristic"].nunique() == 1:
        del shown["characteristic"]
    return styled_table(table, shown,
                        {"estimate": "{:.0f}", "estimate_rest": "{:.0f}", "difference": "{:+.1f}",
                         "n_unweighted": "{:,}", "p_adjusted": "{:.3f}"},
                        caption=f"Survey wave {service['latest_wave']}; each group against "
                                "everyone else who answered")


def ward_breakdown(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """Weighted % satisfied in each ward against the rest of the borough, latest wave."""
    return _subgroup_table(store, service_id, wards=True)


def equality_breakdown(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """Weighted % satisfied by age, sex, ethnic group and disability, latest wave."""
    return _subgroup_table(store, service_id, wards=False)


def weighting_quality(store: EvidenceStore) -> Styler | Markdown:
    """How far weighting moved each wave: design effect, effective base, margins achieved."""
    table = store.table("weighting")
    if table.empty:
        return _no_wave()
    return styled_table(table, {
        "wave": "Wave", "respondents": "Respondents", "effective_n": "Effective base",
        "design_effect": "Design effect of the weights (Kish)",
        "max_margin_error": "Largest margin miss (points)",
        "weight_ratio": "Largest / smallest weight", "n_trimmed": "Weights trimmed"},
        {"respondents": "{:,}", "effective_n": "{:,.0f}", "design_effect": "{:.2f}",
         "max_margin_error": "{:.2g}", "weight_ratio": "{:.1f}", "n_trimmed": "{:,}"})
