"""The evidence catalogue: every field a rule may read, by kind of subject.

The bottom layer of the package: it imports nothing from pmresearch, so the rule parser
(:mod:`pmresearch.rules` via :mod:`pmresearch.parameters`) can check a rule file against it
without importing the code that gathers the evidence (:mod:`pmresearch.evidence`, which
re-exports these names).

Examples
--------
>>> EVIDENCE_FIELDS["pi"]["rag"], EVIDENCE_FIELDS["ward"]["significant"]
('text', 'bool')
>>> sorted(EVIDENCE_FIELDS)
['pi', 'service', 'subgroup', 'theme', 'ward', 'wave']
"""

from __future__ import annotations

__all__ = ["COUNCIL", "EQUALITY_FIELDS", "EVIDENCE_FIELDS"]

#: The service id of council-wide subjects (corporate survey items, survey waves).
COUNCIL = "council"
#: Equality fields compared when the survey has them (protected characteristics or proxies).
EQUALITY_FIELDS = ("age_band", "sex", "ethnic_group", "disability")

_N, _T, _B = "number", "text", "bool"
_GROUP_FIELDS = {
    "survey_item": _T, "wave": _T, "pct_satisfied": _N, "pct_rest": _N,
    "difference_points": _N, "p_value": _N, "p_adjusted": _N, "significant": _B,
    "n_unweighted": _N, "suppressed": _B, "low_base": _B}

#: Every field a rule may read, by subject kind, with its kind (number, text or bool).
EVIDENCE_FIELDS: dict[str, dict[str, str]] = {
    "service": {
        "service_name": _T, "key_pi": _T, "key_pi_name": _T, "key_pi_period": _T,
        "key_pi_value": _N, "key_pi_target": _N, "key_pi_rag": _T, "key_pi_rag_marker": _T,
        "key_pi_dot_short": _T, "key_pi_dot_short_basis": _T, "key_pi_dot_long": _T,
        "key_pi_consecutive_red": _N,
        "key_pi_trend": _T, "key_pi_trend_p": _N, "key_pi_benchmark_quartile": _N,
        "key_pi_commentary": _T, "survey_item": _T, "wave": _T, "pct_satisfied": _N,
        "ci_low": _N, "ci_high": _N, "n_unweighted": _N, "pct_dont_know": _N,
        "satisfaction_suppressed": _B,
        "previous_wave": _T, "pct_satisfied_before": _N, "change_points": _N, "change_p": _N,
        "change_significant": _B, "change_verdict": _T, "comments": _N, "comment_base": _N,
        "top_themes": _T, "top_issues": _T},
    "pi": {
        "pi_id": _T, "name": _T, "unit": _T, "is_key": _B, "polarity": _T, "frequency": _T,
        "value": _N, "target": _N, "data_status": _T, "dq_flag": _T, "commentary": _T,
        "has_commentary": _B, "rag": _T, "rag_marker": _T, "dot_short": _T,
        "dot_short_basis": _T, "dot_long": _T,
        "consecutive_red": _N, "trend": _T, "trend_slope": _N, "trend_p": _N,
        "ytd_value": _N, "benchmark_year": _T, "benchmark_value": _N,
        "benchmark_quartile": _N, "benchmark_rank": _N, "benchmark_n": _N},
    "ward": {"ward_code": _T, "ward_name": _T, "imd_quintile": _N, **_GROUP_FIELDS},
    "subgroup": {"characteristic": _T, "group": _T, **_GROUP_FIELDS},
    "theme": {
        "code": _T, "label": _T, "comments": _N, "pct_of_comments": _N, "negative": _N,
        "pct_negative": _N, "campaign_responses": _N, "top_issue": _B, "comment_base": _N,
        "quotable": _N},
    "wave": {
        "wave": _T, "respondents": _N, "design_effect": _N, "effective_n": _N,
        "max_margin_error": _N, "weight_ratio": _N, "n_trimmed": _N},
}
