"""The sections of an evidence pack, each built from a workspace, a service and a period.

The pack notebook calls one function per cell; each returns something Jupyter displays (a
Markdown block, a table or a figure), so the same sections can be shown in JupyterLab.
Tables are shown for reading (labelled columns, rounded figures, no row numbers); the tidy
DataFrames behind them come from the capability modules (:mod:`pmresearch.performance`,
:mod:`pmresearch.estimates`, :mod:`pmresearch.coding`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
from IPython.display import HTML, Markdown
from pandas.io.formats.style import Styler

from . import __version__, coding, estimates, evidence, linkage, performance, plots, report
from ._periods import shift_period
from .workspace import Workspace

__all__ = ["DIRECTION_LABELS", "EQUALITY_FIELDS", "QUARTILE_LABELS", "RAG_LABELS",
           "SEVERITY_LABELS", "benchmark_position", "complaints_and_compliments",
           "cost_and_value", "findings_and_actions", "improvement_plan", "service_summary", "change_since_last_wave", "coding_reliability",
           "comments_by_source", "equality_breakdown", "header", "indicator_table",
           "indicator_trends", "residents_and_performance", "satisfaction_by_wave",
           "service_settings", "theme_table", "top_issues", "ward_breakdown", "ward_linkage",
           "ward_scatter", "weighting_quality"]


def service_settings(ws: Workspace, service_id: str) -> dict:
    """The pack parameters of a service (``parameters/services/<id>.yaml``), with defaults."""
    return {"pi_history_quarters": 8, **ws.parameters.services.get(service_id, {})}


def _table(frame: pd.DataFrame, labels: dict[str, str], formats: dict[str, str] | None = None,
           caption: str = "") -> Styler:
    """``frame``'s ``labels`` columns, renamed and formatted for reading, without row numbers.

    Missing values show as an en dash. The table's HTML id is derived from its content, so the
    same table renders to the same HTML every time (notebook regression checks rely on it).
    """
    shown = frame[list(labels)].rename(columns=labels)
    formats = {labels[column]: spec for column, spec in (formats or {}).items()}
    digest = hashlib.sha256(shown.to_csv().encode("utf-8")).hexdigest()[:10]
    styler = shown.style.format(formats, na_rep="–").hide(axis="index").set_uuid(digest)
    return styler.set_caption(caption) if caption else styler


def _service(ws: Workspace, service_id: str) -> pd.Series:
    match = ws.services[ws.services["service_id"] == service_id]
    if match.empty:
        known = ", ".join(ws.services["service_id"])
        raise ValueError(f"service '{service_id}' is not in services.csv (found: {known})")
    return match.iloc[0]


def header(ws: Workspace, service_id: str, period: str) -> Markdown:
    """Title block: council, service, directorate, period and the pack's provenance."""
    service = _service(ws, service_id)
    title = service_settings(ws, service_id).get("title", service["service_name"])
    return Markdown(
        f"# {title}: evidence pack, {period}\n\n"
        f"**{ws.council['name']}** · {service['directorate']} directorate · "
        f"service `{service_id}`\n\n"
        f"Generated {dt.date.today().isoformat()} by pmresearch {__version__} from the "
        f"workspace `{ws.path.name}`."
    )


def indicator_table(ws: Workspace, service_id: str, period: str) -> Styler:
    """The service's PIs in ``period``: value against target, RAG, directions of travel,
    quarters red, trend and benchmark quartile (rules in ``parameters/rules.yaml``)."""
    table = performance.indicator_table(ws.indicators, ws.pi_values, service_id, period,
                                        benchmarks=ws.benchmarks,
                                        settings=ws.parameters.settings)
    table["is_key"] = table["is_key"].map({True: "key", False: ""})
    table["rag"] = _with_marker(table["rag"], table["rag_marker"])
    for column in ("dot_short", "dot_long"):
        table[column] = table[column].map(DIRECTION_LABELS).fillna(table[column])
    table["trend"] = [
        row.trend if pd.isna(row.trend_p) else f"{row.trend} (p = {row.trend_p:.2f})"
        for row in table.itertuples()]
    table["benchmark"] = [
        "–" if pd.isna(row.benchmark_quartile) else
        f"{QUARTILE_LABELS[int(row.benchmark_quartile)]} ({row.benchmark_year})"
        for row in table.itertuples()]
    return _table(table, {
        "pi_id": "PI", "name": "Indicator", "is_key": "Key PI", "unit": "Unit",
        "value_period": "Period", "value": "Value", "target": "Target", "rag": "RAG",
        "dot_short": "vs previous quarter", "dot_long": "vs a year before",
        "consecutive_red": "Quarters red", "trend": "Trend", "benchmark": "Benchmark"},
        {"value": "{:,.1f}", "target": "{:,.1f}", "consecutive_red": "{:,}"},
        caption="RAG: ● green at or better than target, ▲ amber worse but within tolerance, "
                "■ red beyond it, ○ no data (missing or estimated). Trend: Mann–Kendall test "
                "over the last quarters. Benchmark: quartile of the comparator group, best "
                "first.")


#: Benchmark quartiles in words (1 = the best quarter of the comparator group).
QUARTILE_LABELS = {1: "top quartile", 2: "second quartile", 3: "third quartile",
                   4: "bottom quartile"}


def indicator_trends(ws: Workspace, service_id: str, period: str) -> HTML:
    """Each PI of the service against its target and tolerance over the recent quarters, with
    the values behind the chart."""
    quarters = service_settings(ws, service_id)["pi_history_quarters"]
    settings = ws.parameters.settings
    figure = plots.pi_trends(ws.indicators, ws.pi_values, service_id, period, quarters=quarters,
                             settings=settings)
    pis = ws.indicators.loc[ws.indicators["service_id"] == service_id, "pi_id"].tolist()
    assessed = performance.assess_indicators(ws.indicators, ws.pi_values, ws.benchmarks, settings)
    first = shift_period(period, -(quarters - 1))
    data = assessed[assessed["pi_id"].isin(pis) & assessed["period"].between(first, period)]
    data = data.assign(rag=_with_marker(data["rag"], data["rag_marker"]))
    data = data[["pi_id", "period", "value", "target", "rag", "data_status"]].rename(columns={
        "pi_id": "PI", "period": "Quarter", "value": "Value", "target": "Target", "rag": "RAG",
        "data_status": "Data status"})
    alt = (f"Line charts of the {service_id} performance indicators over the {quarters} "
           f"quarters to {period}: target as a dashed line, tolerance as a shaded band, each "
           "value lettered G, A or R for its RAG status.")
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Performance indicators, {first} to {period}: value, target "
                                "and tolerance band; letters give the RAG status.",
                        formats={"Value": "{:,.2f}", "Target": "{:,.2f}"})


def benchmark_position(ws: Workspace, service_id: str, period: str) -> HTML | Markdown:
    """Each benchmarked PI against its comparator group's quartiles, with the figures."""
    table = performance.indicator_table(ws.indicators, ws.pi_values, service_id, period,
                                        benchmarks=ws.benchmarks,
                                        settings=ws.parameters.settings)
    table = table[table["benchmark_quartile"].notna()]
    if table.empty:
        return Markdown("_No benchmark data for this service's indicators._")
    figure = plots.benchmark_strip(ws.indicators, ws.pi_values, ws.benchmarks, service_id,
                                   period, settings=ws.parameters.settings)
    data = table.assign(quartile=table["benchmark_quartile"].astype(int).map(QUARTILE_LABELS))
    data = data[["pi_id", "benchmark_year", "benchmark_value", "lower_quartile", "median",
                 "upper_quartile", "quartile", "benchmark_rank", "benchmark_n"]].rename(columns={
        "pi_id": "PI", "benchmark_year": "Year", "benchmark_value": "Ashbrook value",
        "lower_quartile": "Lower quartile", "median": "Median", "upper_quartile": "Upper quartile",
        "quartile": "Position", "benchmark_rank": "Rank", "benchmark_n": "Of"})
    data = data.rename(columns={"Ashbrook value": f"{ws.council['name']} value"})
    alt = (f"Strips of the comparator group's lower quartile, median and upper quartile for "
           f"each benchmarked {service_id} indicator, with the council's value marked and "
           "labelled with its quartile; better is to the right.")
    number = "{:,.2f}"
    return report.chart(figure, alt=alt, data=data,
                        caption="Each indicator's value for the benchmark year against its "
                                "comparator group; better is always to the right.",
                        formats={f"{ws.council['name']} value": number, "Lower quartile": number,
                                 "Median": number, "Upper quartile": number, "Rank": "{:.0f}",
                                 "Of": "{:.0f}"})


def cost_and_value(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """The service's cost indicators (a unit in £ or "cost" in the name) with their RAG and
    benchmark position."""
    table = performance.indicator_table(ws.indicators, ws.pi_values, service_id, period,
                                        benchmarks=ws.benchmarks,
                                        settings=ws.parameters.settings)
    cost = table["unit"].astype(str).str.contains("£") | \
        table["name"].astype(str).str.contains("cost", case=False)
    table = table[cost]
    if table.empty:
        return Markdown("_This service has no cost indicator in `indicators.csv` (a unit in £ "
                        "or \"cost\" in its name)._")
    table = table.assign(rag=_with_marker(table["rag"], table["rag_marker"]),
                         dot_long=table["dot_long"].map(DIRECTION_LABELS).fillna(table["dot_long"]),
                         benchmark=[
                             "–" if pd.isna(q) else f"{QUARTILE_LABELS[int(q)]} ({year})"
                             for q, year in zip(table["benchmark_quartile"],
                                                table["benchmark_year"])])
    return _table(table, {
        "pi_id": "PI", "name": "Indicator", "unit": "Unit", "value_period": "Period",
        "value": "Value", "target": "Target", "rag": "RAG", "dot_long": "vs a year before",
        "benchmark": "Benchmark"}, {"value": "{:,.2f}", "target": "{:,.2f}"},
        caption="Net cost per unit of service; lower is better unless the indicator says "
                "otherwise.")


def _survey_items(ws: Workspace, service_id: str) -> list[str]:
    items = str(_service(ws, service_id)["survey_items"])
    return [item.strip() for item in items.split(";") if item.strip()]


def _waves_to(ws: Workspace, period: str) -> list[str]:
    """Waves whose fieldwork ended by the end of ``period``, oldest first."""
    return linkage.waves_to(ws.survey_waves, period,
                            financial_year_start_month=ws.council["financial_year_start_month"])


def _asked(ws: Workspace, wave: str, item: str) -> bool:
    responses = ws.survey_responses
    return bool(responses.loc[responses["wave"] == wave, item].notna().any())


def _options(ws: Workspace) -> dict:
    settings = ws.parameters.settings
    return {"min_base": settings["suppression"]["min_base"],
            "low_base": settings["suppression"]["low_base"]}


def _base_note(table: pd.DataFrame) -> pd.Series:
    note = pd.Series("", index=table.index)
    note[table["low_base"]] = "low base: treat with caution"
    note[table["suppressed"]] = "suppressed: base too small"
    return note


def _percent(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    table = table.copy()
    for column in columns:
        table[column] = 100 * table[column]
    return table


def _question_of(ws: Workspace, items: pd.Series) -> pd.Series:
    """The question wording of each survey item column."""
    return items.map(ws.survey_items.set_index("item")["question"])


def _no_survey_item() -> Markdown:
    return Markdown("_The resident survey has no question about this service._")


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
        design = linkage.weighted_wave(ws, wave).design
        for item in items:
            if _asked(ws, wave, item):
                parts.append(estimates.proportion(design, item, **_options(ws)).assign(wave=wave))
    table = _percent(pd.concat(parts, ignore_index=True), ["estimate", "ci_low", "ci_high"])
    table["question"] = _question_of(ws, table["item"])
    table["note"] = _base_note(table)
    return _table(table, {
        "question": "Question", "wave": "Wave", "estimate": "% satisfied",
        "ci_low": "95% CI from", "ci_high": "95% CI to", "pct_dont_know": "% don't know",
        "n_unweighted": "Base (unweighted)", "n_weighted": "Base (weighted)",
        "deff": "Design effect of the estimate", "note": "Note"},
        {"estimate": "{:.0f}", "ci_low": "{:.0f}", "ci_high": "{:.0f}", "pct_dont_know": "{:.0f}",
         "n_unweighted": "{:,}", "n_weighted": "{:,.0f}", "deff": "{:.2f}"})


def change_since_last_wave(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Change in weighted % satisfied between the last two waves that asked each item.

    The test is two-sided on independent samples with design-based standard errors; the
    significance level is ``significance.alpha`` in ``rules.yaml``.
    """
    items = _survey_items(ws, service_id)
    if not items:
        return _no_survey_item()
    alpha = ws.parameters.settings["significance"]["alpha"]
    parts = []
    for item in items:
        waves = [wave for wave in _waves_to(ws, period) if _asked(ws, wave, item)]
        if len(waves) < 2:
            continue
        before, after = waves[-2:]
        comparison = estimates.compare_waves(linkage.weighted_wave(ws, before).design,
                                             linkage.weighted_wave(ws, after).design, item, alpha=alpha,
                                             **_options(ws))
        parts.append(comparison.assign(wave_from=before, wave_to=after))
    if not parts:
        return Markdown("_Fewer than two survey waves asked about this service._")
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate_a", "estimate_b", "difference", "ci_low", "ci_high"])
    table["question"] = _question_of(ws, table["item"])
    table["verdict"] = [linkage.change_verdict(row) for row in table.itertuples()]
    return _table(table, {
        "question": "Question", "wave_from": "From", "wave_to": "To", "estimate_a": "% then",
        "estimate_b": "% now", "difference": "Change (points)", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "verdict": "Verdict"},
        {"estimate_a": "{:.0f}", "estimate_b": "{:.0f}", "difference": "{:+.1f}",
         "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": "{:.3f}"})


def _subgroup_table(ws: Workspace, service_id: str, period: str, by: list[str],
                    labels: dict[str, dict[str, str]] | None = None) -> Styler | Markdown:
    items = _survey_items(ws, service_id)
    if not items:
        return _no_survey_item()
    waves = _waves_to(ws, period)
    if not waves:
        return Markdown("_No survey wave ended by the end of this period._")
    wave = waves[-1]
    design = linkage.weighted_wave(ws, wave).design
    alpha = ws.parameters.settings["significance"]["alpha"]
    parts = []
    for item in [item for item in items if _asked(ws, wave, item)]:
        for column in by:
            table = estimates.compare_subgroups(design, item, column, alpha=alpha,
                                                **_options(ws))
            group = table[column].astype(str)
            if labels and column in labels:
                group = group.replace(labels[column])
            parts.append(table.drop(columns=[column]).assign(characteristic=column, group=group))
    table = _percent(pd.concat(parts, ignore_index=True),
                     ["estimate", "estimate_rest", "difference"])
    table["question"] = _question_of(ws, table["item"])
    table["characteristic"] = table["characteristic"].str.replace("_", " ").str.capitalize()
    table["verdict"] = [_subgroup_verdict(row) for row in table.itertuples()]
    shown = {"question": "Question", "characteristic": "Characteristic", "group": "Group",
             "estimate": "% satisfied", "estimate_rest": "% everyone else",
             "difference": "Difference (points)", "n_unweighted": "Base (unweighted)",
             "p_adjusted": "p (BH-adjusted)", "verdict": "Verdict"}
    if len(by) == 1:
        del shown["characteristic"]
    return _table(table, shown,
                  {"estimate": "{:.0f}", "estimate_rest": "{:.0f}", "difference": "{:+.1f}",
                   "n_unweighted": "{:,}", "p_adjusted": "{:.3f}"},
                  caption=f"Survey wave {wave}; each group against everyone else who answered")


def _subgroup_verdict(row) -> str:
    if row.suppressed:
        return "suppressed: base too small"
    if not row.significant:
        return "no significant difference"
    verdict = "significantly higher" if row.difference > 0 else "significantly lower"
    return verdict + (" (low base)" if row.low_base else "")


def ward_breakdown(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Weighted % satisfied in each ward against the rest of the borough, latest wave."""
    names = dict(zip(ws.wards["ward_code"], ws.wards["ward_name"]))
    return _subgroup_table(ws, service_id, period, ["ward_code"], {"ward_code": names})


#: Equality fields shown when present in the survey (protected characteristics or proxies).
EQUALITY_FIELDS = evidence.EQUALITY_FIELDS


def equality_breakdown(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Weighted % satisfied by age, sex, ethnic group and disability, latest wave."""
    fields = [name for name in EQUALITY_FIELDS if name in ws.survey_responses.columns]
    return _subgroup_table(ws, service_id, period, fields)


def weighting_quality(ws: Workspace, period: str) -> Styler | Markdown:
    """How far weighting moved each wave: design effect, effective base, margins achieved."""
    waves = _waves_to(ws, period)
    if not waves:
        return Markdown("_No survey wave ended by the end of this period._")
    rows = []
    for wave in waves:
        diagnostics = linkage.weighted_wave(ws, wave).diagnostics
        rows.append({"wave": wave, "respondents": int((ws.survey_responses["wave"] == wave).sum()),
                     "effective_n": diagnostics.effective_n,
                     "design_effect": diagnostics.design_effect,
                     "max_margin_error": diagnostics.max_margin_error,
                     "weight_ratio": diagnostics.weight_ratio,
                     "n_trimmed": diagnostics.n_trimmed})
    return _table(pd.DataFrame(rows), {
        "wave": "Wave", "respondents": "Respondents", "effective_n": "Effective base",
        "design_effect": "Design effect of the weights (Kish)",
        "max_margin_error": "Largest margin miss (points)",
        "weight_ratio": "Largest / smallest weight", "n_trimmed": "Weights trimmed"},
        {"respondents": "{:,}", "effective_n": "{:,.0f}", "design_effect": "{:.2f}",
         "max_margin_error": "{:.2g}", "weight_ratio": "{:.1f}", "n_trimmed": "{:,}"})


def comments_by_source(ws: Workspace, service_id: str, period: str) -> Styler:
    """Comments about the service received in the four quarters ending with ``period``."""
    start, end = linkage.comment_window(ws, period)
    table = coding.comment_counts(ws.comments, service_id, start, end)
    table["source"] = table["source"].str.replace("_", " ").str.capitalize()
    return _table(table, {"source": "Source", "comments": "Comments",
                          "pct_of_comments": "% of comments"},
                  {"comments": "{:,}", "pct_of_comments": "{:.0f}"},
                  caption=f"Comments dated {start:%d %B %Y} to {end:%d %B %Y}")


def _themes(ws: Workspace, service_id: str, period: str) -> pd.DataFrame:
    start, end = linkage.comment_window(ws, period)
    table = coding.theme_summary(coding.coded_comments(ws), ws.parameters.codeframe, service_id,
                                 start, end, ws.parameters.settings["coding"])
    table.attrs.update(start=start, end=end)
    return table


def theme_table(ws: Workspace, service_id: str, period: str) -> Styler:
    """What the service's comments raised: themes with counts, % negative and top issues."""
    table = _themes(ws, service_id, period)
    shown = table.assign(top_issue=table["top_issue"].map({True: "Top issue", False: ""}))
    attrs = table.attrs
    return _table(shown, {
        "label": "Theme", "code": "Code", "comments": "Comments",
        "pct_of_comments": "% of comments", "negative": "Negative", "pct_negative": "% negative",
        "campaign_responses": "Campaign duplicates not counted", "top_issue": "Top issue"},
        {"comments": "{:,}", "pct_of_comments": "{:.0f}", "negative": "{:,}",
         "pct_negative": "{:.0f}", "campaign_responses": "{:,}"},
        caption=f"Comments dated {attrs['start']:%d %B %Y} to {attrs['end']:%d %B %Y}: "
                f"{attrs['comments_received']:,} received, base {attrs['base']:,} after counting "
                "each campaign or duplicate group once. Counts of comments received, not a "
                "measure of all residents' views.")


def top_issues(ws: Workspace, service_id: str, period: str) -> Markdown:
    """The top issues (domain.md §5 rule 14), each with up to three redacted quotes from the
    pack's comments; when there is none, the three most raised themes in their commonest tone."""
    table = _themes(ws, service_id, period)
    settings = ws.parameters.settings["coding"]
    coded = coding.coded_comments(ws)
    dates = pd.to_datetime(coded.comments["date"])
    window = coded.comments[(coded.comments["service_id"] == service_id)
                            & dates.between(table.attrs["start"], table.attrs["end"])]
    mentions = coded.mentions[coded.mentions["comment_id"].isin(window["comment_id"])]
    quotes = coding.select_quotes(window, mentions, ws.parameters.theme_matcher,
                                  max_words=settings["quote_max_words"],
                                  per_theme=settings["quotes_per_theme"])
    top = table[table["top_issue"]]
    lines = []
    if top.empty:
        lines.append(f"No theme is a top issue: none was raised in at least "
                     f"{100 * settings['top_issue_share']:.0f}% of at least "
                     f"{settings['top_issue_min_comments']} comments with at least "
                     f"{100 * settings['top_issue_negative_share']:.0f}% of mentions negative. "
                     "The most raised themes are quoted instead, in their commonest tone.")
        top = table.head(3)
    for row in top.itertuples(index=False):
        lines.append(f"\n**{row.label}** ({row.code}): raised in {row.comments:,} comments "
                     f"({row.pct_of_comments:.0f}%), {row.pct_negative:.0f}% of mentions "
                     "negative.\n")
        tone = "negative" if row.top_issue else \
            mentions.loc[mentions["code"] == row.code, "sentiment"].value_counts().index[0]
        picked = quotes[(quotes["code"] == row.code) & (quotes["sentiment"] == tone)]
        for quote in picked.itertuples(index=False):
            campaign = (f" *(one of {quote.group_size} near-identical responses)*"
                        if quote.group_size > 1 else "")
            lines.append(f"> “{quote.quote}”{campaign}\n")
        if picked.empty:
            lines.append("> *(no comment on this theme can be quoted safely)*\n")
    return Markdown("\n".join(lines))


def coding_reliability(ws: Workspace, service_id: str, period: str) -> Styler:
    """How far the coding can be trusted, and how many comments await a person's review."""
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    comments = coded.comments
    dates = pd.to_datetime(comments["date"])
    mine = comments[(comments["service_id"] == service_id) & dates.between(start, end)]
    waiting = int(mine["needs_review"].sum())
    table = coded.reliability.copy()
    if table.empty:
        table = pd.DataFrame({"comparison": ["no hand-coded sample: rules only"], "what": "",
                              "n": 0, "percent_agreement": float("nan"),
                              "cohens_kappa": float("nan"), "krippendorff_alpha": float("nan"),
                              "macro_f1": float("nan")})
    return _table(table, {
        "comparison": "Comparison", "what": "Coding of", "n": "Comments",
        "percent_agreement": "% agreement", "cohens_kappa": "Cohen's kappa",
        "krippendorff_alpha": "Krippendorff's alpha", "macro_f1": "Macro F1"},
        {"n": "{:,}", "percent_agreement": "{:.0f}", "cohens_kappa": "{:.2f}",
         "krippendorff_alpha": "{:.2f}", "macro_f1": "{:.2f}"},
        caption=f"{waiting:,} of this service's {len(mine):,} comments await review: the model "
                "was not confident enough to code their sentiment, so they are not guessed.")


#: Words and symbols for RAG, so status never rests on colour alone (print, colour blindness).
RAG_LABELS = {"green": "● Green", "amber": "▲ Amber", "red": "■ Red", "no data": "○ No data",
              "n/a": "n/a"}
#: Direction-of-travel arrows with their word.
DIRECTION_LABELS = {"better": "↑ better", "same": "→ same", "worse": "↓ worse",
                    "up": "↑ up", "down": "↓ down", "no data": "no data", "n/a": "n/a"}


def _with_marker(rag: pd.Series, marker: pd.Series) -> pd.Series:
    shown = rag.map(RAG_LABELS).fillna(rag)
    marker = marker.fillna("").astype(str)
    return shown.where(marker == "", shown + " (" + marker + ")")


def residents_and_performance(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """The evidence table for the service: its key PI, the linked survey wave and the comment
    themes, quarter by quarter over the pack's history."""
    quarters = service_settings(ws, service_id)["pi_history_quarters"]
    periods = [shift_period(period, -back) for back in range(quarters - 1, -1, -1)]
    table = linkage.evidence_table(ws, periods=periods, services=[service_id])
    if table["key_pi"].isna().all() and table["survey_item"].isna().all():
        return Markdown("_This service has neither a key PI nor a survey item to link._")
    table["key_pi_rag"] = _with_marker(table["key_pi_rag"], table["key_pi_rag_marker"])
    for column in ("key_pi_dot_short", "key_pi_dot_long"):
        table[column] = table[column].map(DIRECTION_LABELS).fillna(table[column])
    table["satisfaction"] = [
        "–" if pd.isna(row.pct_satisfied) else
        f"{row.pct_satisfied:.0f}% ({row.ci_low:.0f}–{row.ci_high:.0f}), wave {row.wave}"
        for row in table.itertuples()]
    item = table["survey_item"].dropna()
    pi = table["key_pi"].dropna()
    caption = (f"Key PI {pi.iloc[0]}: {table['key_pi_name'].dropna().iloc[0]}. " if len(pi)
               else "No key PI. ")
    caption += (f"Survey: {item.iloc[0]}, the latest wave whose fieldwork ended by each "
                "quarter's end (95% interval). " if len(item) else "No survey item. ")
    caption += "Comments: the four quarters to each quarter's end, campaigns counted once."
    return _table(table, {
        "period": "Quarter", "key_pi_value": "Key PI", "key_pi_target": "Target",
        "key_pi_rag": "RAG", "key_pi_dot_short": "vs previous quarter",
        "key_pi_dot_long": "vs a year before", "key_pi_consecutive_red": "Quarters red",
        "satisfaction": "% satisfied", "change_verdict": "Change since the wave before",
        "comment_base": "Comments", "top_issues": "Top issues"},
        {"key_pi_value": "{:,.1f}", "key_pi_target": "{:,.1f}",
         "key_pi_consecutive_red": "{:,}", "comment_base": "{:,}"}, caption=caption)


def ward_linkage(ws: Workspace, service_id: str, period: str) -> Styler:
    """Across wards: ward satisfaction against the PI's ward values, raw and controlling for
    deprivation."""
    table = linkage.ward_correlation(ws, service_id, period)
    first = table.iloc[0]
    caption = ("Pearson correlation across wards with a survey base of at least "
               f"{ws.parameters.settings['suppression']['min_base']} "
               f"(at least {ws.parameters.settings['linkage']['min_wards']} wards needed)")
    if first.pi_id and first.pi_period:
        caption += f"; PI {first.pi_id} in {first.pi_period}, survey wave {first.wave}"
    return _table(table, {
        "analysis": "Analysis", "n": "Wards", "r": "r", "ci_low": "95% CI from",
        "ci_high": "95% CI to", "p_value": "p-value", "status": "Status"},
        {"r": "{:+.2f}", "ci_low": "{:+.2f}", "ci_high": "{:+.2f}", "p_value": "{:.3f}"},
        caption=caption)


def ward_scatter(ws: Workspace, service_id: str, period: str) -> HTML | Markdown:
    """Ward satisfaction against the PI's ward values, one labelled point per ward, with the
    figures behind the chart."""
    wards = linkage.ward_points(ws, service_id, period)
    if wards.attrs["status"] != "ok" or wards.empty:
        return Markdown(f"_No ward chart: {wards.attrs['status']}._")
    pi = ws.indicators.set_index("pi_id").loc[wards.attrs["pi_id"]]
    question = _question_of(ws, pd.Series([wards.attrs["survey_item"]])).iloc[0]
    figure = plots.ward_scatter(wards, pi_label=f"{pi['name']} ({pi['unit']}), "
                                                f"{wards.attrs['pi_period']}",
                                item_label=f"% satisfied, wave {wards.attrs['wave']}",
                                labels=wards["ward_name"])
    alt = (f"Scatter of {len(wards)} wards: % satisfied ({question}) against "
           f"{pi['name']}, each point labelled with its ward, with a least-squares line.")
    data = wards[["ward_name", "pct_satisfied", "n_unweighted", "value", "imd_quintile"]].rename(
        columns={"ward_name": "Ward", "pct_satisfied": "% satisfied", "n_unweighted": "Base",
                 "value": f"{pi['name']} ({pi['unit']})", "imd_quintile": "IMD quintile"})
    return report.chart(figure, alt=alt, data=data,
                        caption=f"Wards: % satisfied ({wards.attrs['wave']} survey) against "
                                f"{pi['name']} ({wards.attrs['pi_period']}).",
                        formats={"% satisfied": "{:.0f}", "Base": "{:,.0f}",
                                 "IMD quintile": "{:.0f}"})


#: Severity in words and symbols (never colour alone), most severe first.
SEVERITY_LABELS = {"high": "■ High", "medium": "▲ Medium", "low": "● Low", "info": "○ Info"}


def findings_and_actions(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """What the rules in ``parameters/rules.yaml`` found for the service, most severe first,
    each with its recommended action, owner and the evidence that made it fire."""
    found = evidence.findings_for(ws, period, services=[service_id])
    if found.empty:
        return Markdown(f"_No rule fired for this service in {period}: nothing in the evidence "
                        "below met a rule's condition._")
    found = found.assign(severity=found["severity"].map(SEVERITY_LABELS),
                         why=found["condition"] + " (" + found["evidence"] + ")")
    counts = found["severity"].value_counts()
    summary = ", ".join(f"{counts[label]} {label.split()[1].lower()}"
                        for label in SEVERITY_LABELS.values() if label in counts)
    return _table(found, {
        "severity": "Severity", "title": "Finding", "subject": "About", "finding": "What we found",
        "action": "Recommended action", "owner": "Owner", "due": "By when",
        "why": "Why (rule and evidence)"},
        caption=f"{len(found)} finding(s): {summary}. Rules: parameters/rules.yaml "
                f"({len(ws.parameters.rules)} rules).")


def service_summary(ws: Workspace, service_id: str, period: str) -> Markdown:
    """The service at a glance in ``period``: its key PI, residents' satisfaction and what the
    comments raised, from the evidence table (:func:`pmresearch.linkage.evidence_table`)."""
    row = linkage.evidence_table(ws, periods=[period], services=[service_id]).iloc[0]
    lines = []
    if isinstance(row.key_pi, str):
        rag = RAG_LABELS.get(row.key_pi_rag, row.key_pi_rag)
        value = "no value" if pd.isna(row.key_pi_value) else f"{row.key_pi_value:,.1f}"
        target = "" if pd.isna(row.key_pi_target) else f" against a target of {row.key_pi_target:,.1f}"
        lines.append(f"- **Key PI** {row.key_pi} ({row.key_pi_name}): {value}{target} in "
                     f"{row.key_pi_period}, **{rag}**; "
                     f"{DIRECTION_LABELS.get(row.key_pi_dot_short, row.key_pi_dot_short)} on the "
                     f"previous quarter, "
                     f"{DIRECTION_LABELS.get(row.key_pi_dot_long, row.key_pi_dot_long)} on a year "
                     "before.")
    else:
        lines.append("- **Key PI**: none named in `services.csv`.")
    if pd.notna(row.pct_satisfied):
        change = "" if pd.isna(row.change_points) else \
            f"; {row.change_points:+.1f} points since {row.previous_wave} ({row.change_verdict})"
        lines.append(f"- **Residents**: {row.pct_satisfied:.0f}% satisfied (95% CI "
                     f"{row.ci_low:.0f}–{row.ci_high:.0f}%, base {row.n_unweighted:,}) in the "
                     f"{row.wave} survey{change}.")
    elif isinstance(row.survey_item, str):
        lines.append("- **Residents**: no survey wave had ended by the end of this quarter.")
    else:
        lines.append("- **Residents**: the resident survey has no question about this service.")
    labels = ws.parameters.codeframe.set_index("code")["label"]
    codes = row.top_issues.split(";") if isinstance(row.top_issues, str) and row.top_issues else []
    issues = "; ".join(f"{code} {labels.get(code, '')}".strip() for code in codes) or "none"
    lines.append(f"- **Comments**: {row.comments:,} received in the four quarters to "
                 f"{period} ({row.comment_base:,} counting each campaign once); top issues: "
                 f"{issues}.")
    return Markdown("\n".join(lines))


def complaints_and_compliments(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """Complaints received about the service in the four quarters to ``period``: how many,
    their tone (compliments are the positive ones) and what they were about."""
    coded = coding.coded_comments(ws)
    start, end = linkage.comment_window(ws, period)
    comments = coded.comments
    dates = pd.to_datetime(comments["date"])
    mine = comments[(comments["service_id"] == service_id) & dates.between(start, end)
                    & comments["source"].astype(str).str.startswith("complaint")]
    if mine.empty:
        return Markdown(f"_No complaints about this service were received from {start:%d %B %Y} "
                        f"to {end:%d %B %Y}._")
    mentions = coded.mentions[coded.mentions["comment_id"].isin(mine["comment_id"])]
    labels = ws.parameters.codeframe.set_index("code")["label"]
    rows = []
    for code, group in mentions.groupby("code", sort=False):
        rows.append({"theme": f"{code} {labels.get(code, '')}".strip(),
                     "complaints": int(group["comment_id"].nunique()),
                     "negative": int((group["sentiment"] == "negative").sum()),
                     "compliments": int((group["sentiment"] == "positive").sum())})
    table = pd.DataFrame(rows).sort_values(["complaints", "theme"], ascending=[False, True])
    tone = mine["sentiment"].replace("", "awaiting review").value_counts()
    summary = ", ".join(f"{n:,} {label}" for label, n in tone.items())
    return _table(table, {"theme": "Theme", "complaints": "Complaints raising it",
                          "negative": "Negative mentions", "compliments": "Positive mentions"},
                  {"complaints": "{:,}", "negative": "{:,}", "compliments": "{:,}"},
                  caption=f"{len(mine):,} complaints received {start:%d %B %Y} to "
                          f"{end:%d %B %Y} ({summary}). Counts of complaints received, not a "
                          "measure of all residents' views.")


def improvement_plan(ws: Workspace, service_id: str, period: str) -> Styler | Markdown:
    """The findings' recommended actions as improvement-plan rows (outcome, action, owner, by
    when, success measure), the rows of ``improvement_actions.csv``."""
    from .rules import improvement_actions

    actions = improvement_actions(evidence.findings_for(ws, period, services=[service_id]))
    if actions.empty:
        return Markdown("_No rule recommended an action for this service in this period._")
    actions = actions.assign(severity=actions["severity"].map(SEVERITY_LABELS))
    return _table(actions, {
        "severity": "Severity", "subject": "About", "outcome": "Outcome", "action": "Action",
        "owner": "Responsible officer", "by_when": "By when",
        "success_measure": "Success measure"},
        caption="Proposed for the service's improvement plan; the service agrees each action, "
                "its owner and date, and records progress against it.")
