"""The front of a pack: title, the service at a glance, what the rules found and the actions
they recommend, and the evidence table that links PIs, survey and comments quarter by quarter."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from IPython.display import Markdown
from pandas.io.formats.style import Styler

from ..bases import estimate_base_notes
from ..store import EvidenceStore
from ._common import (DIRECTION_LABELS, RAG_LABELS, SEVERITY_LABELS, _direction, _md,
                      _with_marker, styled_table)

__all__ = ["findings_and_actions", "header", "improvement_plan", "residents_and_performance",
           "service_summary"]


def header(store: EvidenceStore, service_id: str) -> Markdown:
    """Title block: council, service, directorate, period and the pack's provenance."""
    service = store.service(service_id)
    meta = store.meta
    # The identifiers are shown as code in raw <code> tags: backslash escapes do not work
    # inside a Markdown code span.
    return Markdown(
        f"# {_md(service['title'])}: evidence pack, {_md(store.period)}\n\n"
        f"**{_md(meta['council'])}** · {_md(service['directorate'])} directorate · "
        f"service <code>{_md(service_id)}</code>\n\n"
        f"Generated {dt.date.today().isoformat()} by pmresearch {meta['pmresearch']} from the "
        f"workspace <code>{_md(meta['workspace'])}</code>."
    )


def _service_evidence(store: EvidenceStore, service_id: str) -> pd.DataFrame:
    """The service's rows of the rules' evidence table, oldest quarter first."""
    return store.rows("evidence_service", service_id).sort_values("period")


def _base_notes(store: EvidenceStore, table: pd.DataFrame) -> pd.Series:
    """The base note of each row's survey estimate (:func:`pmresearch.bases.estimate_base_notes`)."""
    return estimate_base_notes(table, store.settings["suppression"])


def _theme_names(store: EvidenceStore, service_id: str, codes: list[str]) -> list[str]:
    """Each theme code with its code-frame label ("S03 Litter")."""
    labels = store.rows("themes", service_id).set_index("code")["label"]
    return [f"{code} {labels.get(code, '')}".strip() for code in codes]


def service_summary(store: EvidenceStore, service_id: str) -> Markdown:
    """The service at a glance in the period: its key PI, residents' satisfaction and what the
    comments raised, from the rules' evidence (:func:`pmresearch.linkage.evidence_table`)."""
    table = _service_evidence(store, service_id)
    row = table.iloc[-1]
    period = store.period
    note = _base_notes(store, table).iloc[-1]
    lines = []
    if isinstance(row.key_pi, str):
        rag = RAG_LABELS.get(row.key_pi_rag, row.key_pi_rag)
        value = "no value" if pd.isna(row.key_pi_value) else f"{row.key_pi_value:,.1f}"
        target = ("" if pd.isna(row.key_pi_target)
                  else f" against a target of {row.key_pi_target:,.1f}")
        long = DIRECTION_LABELS.get(row.key_pi_dot_long, row.key_pi_dot_long)
        if row.key_pi_dot_short_basis == "same quarter last year":
            # A year-to-date PI: its running total is only comparable with a year before.
            direction = f"year to date, {long} on the same quarter a year before."
        else:
            short = DIRECTION_LABELS.get(row.key_pi_dot_short, row.key_pi_dot_short)
            direction = f"{short} on the previous quarter, {long} on a year before."
        lines.append(f"- **Key PI** {_md(row.key_pi)} ({_md(row.key_pi_name)}): {value}{target} "
                     f"in {_md(row.key_pi_period)}, **{rag}**; {direction}")
    else:
        lines.append("- **Key PI**: none named in `services.csv`.")
    if pd.notna(row.pct_satisfied):
        change = "" if pd.isna(row.change_points) else \
            f"; {row.change_points:+.1f} points since {_md(row.previous_wave)} " \
            f"({row.change_verdict})"
        base = f"base {row.n_unweighted:,.0f}" + (f", **{note}**" if note else "")
        lines.append(f"- **Residents**: {row.pct_satisfied:.0f}% satisfied (95% CI "
                     f"{row.ci_low:.0f}–{row.ci_high:.0f}%, {base}) in the "
                     f"{_md(row.wave)} survey{change}.")
    elif note:
        lines.append(f"- **Residents**: **{note}** (base {row.n_unweighted:,.0f}) in the "
                     f"{_md(row.wave)} survey, so no estimate is shown.")
    elif isinstance(row.survey_item, str):
        lines.append("- **Residents**: no survey wave had ended by the end of this quarter.")
    else:
        lines.append("- **Residents**: the resident survey has no question about this service.")
    codes = row.top_issues.split(";") if isinstance(row.top_issues, str) and row.top_issues else []
    issues = "; ".join(_md(name) for name in _theme_names(store, service_id, codes)) or "none"
    lines.append(f"- **Comments**: {row.comments:,.0f} received in the four quarters to "
                 f"{period} ({row.comment_base:,.0f} counting each campaign once); top issues: "
                 f"{issues}.")
    return Markdown("\n".join(lines))


def findings_and_actions(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """What the rules in ``parameters/rules.yaml`` found for the service, most severe first,
    each with its recommended action, owner and the evidence that made it fire."""
    found = store.rows("findings", service_id)
    period = store.period
    if found.empty:
        return Markdown(f"_No rule fired for this service in {_md(period)}: nothing in the "
                        "evidence below met a rule's condition._")
    found = found.assign(severity=found["severity"].map(SEVERITY_LABELS),
                         why=found["condition"] + " (" + found["evidence"] + ")")
    counts = found["severity"].value_counts()
    summary = ", ".join(f"{counts[label]} {label.split()[1].lower()}"
                        for label in SEVERITY_LABELS.values() if label in counts)
    return styled_table(found, {
        "severity": "Severity", "title": "Finding", "subject": "About", "finding": "What we found",
        "action": "Recommended action", "owner": "Owner", "due": "By when",
        "why": "Why (rule and evidence)", "base_note": "Note"},
        caption=f"{len(found)} finding(s): {summary}. Rules: parameters/rules.yaml "
                f"({store.meta['rules']} rules).")


def improvement_plan(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """The findings' recommended actions as improvement-plan rows (outcome, action, owner, by
    when, success measure), the rows of ``improvement_actions.csv``."""
    actions = store.rows("improvement_actions", service_id)
    if actions.empty:
        return Markdown("_No rule recommended an action for this service in this period._")
    actions = actions.assign(severity=actions["severity"].map(SEVERITY_LABELS))
    return styled_table(actions, {
        "severity": "Severity", "subject": "About", "outcome": "Outcome", "action": "Action",
        "owner": "Responsible officer", "by_when": "By when",
        "success_measure": "Success measure"},
        caption="Proposed for the service's improvement plan; the service agrees each action, "
                "its owner and date, and records progress against it.")


def residents_and_performance(store: EvidenceStore, service_id: str) -> Styler | Markdown:
    """The evidence table for the service: its key PI, the linked survey wave and the comment
    themes, quarter by quarter over the pack's history."""
    quarters = int(store.service(service_id)["pi_history_quarters"])
    table = _service_evidence(store, service_id).tail(quarters).copy()
    if table["key_pi"].isna().all() and table["survey_item"].isna().all():
        return Markdown("_This service has neither a key PI nor a survey item to link._")
    table["key_pi_rag"] = _with_marker(table["key_pi_rag"], table["key_pi_rag_marker"])
    for column in ("key_pi_dot_short", "key_pi_dot_long"):
        table[column] = _direction(table[column])
    year_to_date = table["key_pi_dot_short_basis"].eq("same quarter last year")
    table.loc[year_to_date, "key_pi_dot_short"] = "– (year to date)"
    table["satisfaction"] = [
        f"{note}, wave {row.wave}" if pd.isna(row.pct_satisfied) and note else
        "–" if pd.isna(row.pct_satisfied) else
        f"{row.pct_satisfied:.0f}% ({row.ci_low:.0f}–{row.ci_high:.0f}), wave {row.wave}"
        + (f"; {note}" if note else "")
        for row, note in zip(table.itertuples(), _base_notes(store, table))]
    item = table["survey_item"].dropna()
    pi = table["key_pi"].dropna()
    caption = (f"Key PI {pi.iloc[0]}: {table['key_pi_name'].dropna().iloc[0]}. " if len(pi)
               else "No key PI. ")
    caption += (f"Survey: {item.iloc[0]}, the latest wave whose fieldwork ended by each "
                "quarter's end (95% interval). " if len(item) else "No survey item. ")
    caption += f"Comments: the {_window(store)} to each quarter's end, campaigns counted once."
    return styled_table(table, {
        "period": "Quarter", "key_pi_value": "Key PI", "key_pi_target": "Target",
        "key_pi_rag": "RAG", "key_pi_dot_short": "vs previous quarter",
        "key_pi_dot_long": "vs a year before", "key_pi_consecutive_red": "Quarters red",
        "satisfaction": "% satisfied", "change_verdict": "Change since the wave before",
        "comment_base": "Comments", "top_issues": "Top issues"},
        {"key_pi_value": "{:,.1f}", "key_pi_target": "{:,.1f}",
         "key_pi_consecutive_red": "{:,.0f}", "comment_base": "{:,.0f}"}, caption=caption)


def _window(store: EvidenceStore) -> str:
    """The comment window in words: "four quarters" (``settings.linkage``)."""
    quarters = store.settings["linkage"]["comment_window_quarters"]
    words = {1: "quarter", 2: "two quarters", 3: "three quarters", 4: "four quarters"}
    return words.get(quarters, f"{quarters} quarters")
