"""The "Performance indicators" section of ``SCENARIO.md``, computed from the generated tables.

Nothing here is typed in by hand: every value, target, band, RAG and rank is read from or
computed on the tables :func:`pmresearch.demo.indicators.build` returns, under the standard
rules of :mod:`pmresearch.demo._pi_rules`.
"""

from __future__ import annotations

import pandas as pd

from . import _ashbrook
from ._pi_catalogue import PERSISTENT_RED_PI
from ._pi_rules import annual_value, band, direction, quartile_position, rag_column

__all__ = ["scenario"]


def scenario(tables: dict[str, pd.DataFrame]) -> str:
    """Markdown section "## Performance indicators" describing the generated PI files.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The output of :func:`pmresearch.demo.indicators.build`.

    Returns
    -------
    str
        The section: every indicator's current-quarter RAG and direction of travel, the
        planted signals with their values, targets and tolerance bands, the data-quality rows
        and the benchmark positions.

    Examples
    --------
    >>> from pmresearch.demo.indicators import build
    >>> scenario(build()).splitlines()[0]
    '## Performance indicators'
    """
    view = _View(tables)
    keys = tables["services.csv"].set_index("service_id")["key_pi"]
    sections = [
        "## Performance indicators\n",
        _overview(view),
        _current_quarter(view),
        "### Planted signals\n",
        _litter(view, keys["street_cleansing"]),
        _perception_gap(view, keys[_ashbrook.PERCEPTION_GAP_SERVICE]),
        _escalation(view, keys[_ashbrook.ESCALATION_SERVICE]),
        _persistent_red(view, PERSISTENT_RED_PI),
        _data_quality(view),
        _benchmark_positions(view),
    ]
    return "\n".join(sections)


class _View:
    """The tables with the lookups every part of the section needs."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        values = tables["pi_values.csv"].copy()
        for column in ("ward_code", "commentary"):
            values[column] = values[column].fillna("").astype(str)
        self.indicators = tables["indicators.csv"]
        self.spec = self.indicators.set_index("pi_id")
        self.values = values.assign(rag=rag_column(values, self.indicators))
        self.borough = self.values[self.values["ward_code"] == ""]
        self.benchmarks = tables["benchmarks.csv"]
        self.services = tables["services.csv"]
        self.periods = list(dict.fromkeys(self.borough["period"].sort_values()))

    def series(self, pi_id: str) -> pd.DataFrame:
        """One indicator's borough rows indexed by period."""
        return self.borough[self.borough["pi_id"] == pi_id].set_index("period")

    def shifted(self, period: str, quarters: int) -> str | None:
        i = self.periods.index(period) - quarters
        return self.periods[i] if i >= 0 else None

    def dot(self, pi_id: str, period: str, quarters: int) -> str:
        """Direction of travel against ``quarters`` quarters earlier."""
        rows, before = self.series(pi_id), self.shifted(period, quarters)
        if before is None or before not in rows.index or period not in rows.index:
            return "n/a"
        return direction(rows.loc[period, "value"], rows.loc[before, "value"],
                         self.spec.loc[pi_id, "polarity"])

    def edge(self, pi_id: str, target: float) -> float:
        """The red line: the worst value still inside tolerance."""
        spec = self.spec.loc[pi_id]
        width = band(float(target), float(spec["tolerance"]), spec["tolerance_type"])
        return float(target) + width * (1 if spec["polarity"] == "lower_better" else -1)

    def tolerance_text(self, pi_id: str) -> str:
        spec = self.spec.loc[pi_id]
        unit = "% of target" if spec["tolerance_type"] == "relative" else f" {spec['unit']}"
        return f"{_fmt(spec['tolerance'])}{unit}"


def _overview(view: _View) -> str:
    ind, values = view.indicators, view.values
    ward_rows = values[values["ward_code"] != ""]
    return (
        f"{len(ind)} indicators for {len(view.services)} services: "
        f"{(ind['is_key'] == 'true').sum()} key (one per service), "
        f"{(ind['polarity'] == 'context').sum()} context (no target, no RAG), "
        f"{(ind['frequency'] == 'annual').sum()} annual (a Q4 row only) and "
        f"{(ind['cumulative'] == 'true').sum()} reported year to date. `pi_values.csv` has "
        f"{len(view.borough)} borough rows over {len(view.periods)} quarters "
        f"({view.periods[0]} … {view.periods[-1]}) and {len(ward_rows)} ward rows "
        f"({', '.join(sorted(ward_rows['pi_id'].unique()))} in "
        f"{', '.join(sorted(ward_rows['period'].unique()))}); targets are set per financial "
        "year.\n\n"
        "RAG below is the standard rule: green at or better than target, amber worse but within "
        "tolerance (relative = tolerance % of target, absolute = in the unit), red beyond; no "
        "RAG for missing or estimated values. Direction of travel compares with the previous "
        "quarter (short term) and the same quarter a year before (long term), \"same\" within "
        "1% of the earlier value.\n"
    )


def _current_quarter(view: _View) -> str:
    current = _ashbrook.CURRENT_PERIOD
    rows = []
    for pi_id, spec in view.spec.iterrows():
        series = view.series(pi_id)
        period = current if current in series.index else series.index[-1]  # annual: latest Q4
        row = series.loc[period]
        short = view.dot(pi_id, period, 1) if spec["frequency"] == "quarterly" else "n/a"
        rows.append({
            "PI": pi_id, "service": spec["service_id"], "name": spec["name"],
            "polarity": spec["polarity"], "period": period, "target": _fmt(row["target"]),
            "value": _fmt(row["value"]), "status": row["data_status"], "RAG": row["rag"],
            "short-term": short, "long-term": view.dot(pi_id, period, 4),
        })
    table = pd.DataFrame(rows)
    quarterly = table[table["period"] == current]
    counts = quarterly["RAG"].value_counts()
    tally = ", ".join(f"{rag} {counts.get(rag, 0)}"
                      for rag in ("green", "amber", "red", "no data", "n/a"))
    red = ", ".join(quarterly.loc[quarterly["RAG"] == "red", "PI"])
    return (f"### Every indicator in {current}\n\nAnnual indicators show their latest (Q4) "
            f"value. Expected RAG of the {len(quarterly)} quarterly indicators in {current}: "
            f"{tally}. Red: {red or 'none'} (planted, below).\n\n" + _markdown(table))


def _litter(view: _View, pi_id: str) -> str:
    series = view.series(pi_id)
    table = pd.DataFrame({
        "period": series.index,
        "value": series["value"].map(_fmt),
        "numerator / denominator": [f"{_fmt(n)} / {_fmt(d)}"
                                    for n, d in zip(series["numerator"], series["denominator"])],
        "target": series["target"].map(_fmt),
        "red above": [_fmt(view.edge(pi_id, t)) for t in series["target"]],
        "RAG": series["rag"],
        "commentary": series["commentary"],
    })
    red = list(series.index[series["rag"] == "red"])
    return (f"#### Street litter ({pi_id}, key PI of street_cleansing) red through calendar "
            f"2025\n\n{view.spec.loc[pi_id, 'name']} (%, lower is better, tolerance "
            f"{view.tolerance_text(pi_id)}). Red in {', '.join(red)}, each with corrective-action "
            "commentary; not red in any earlier quarter.\n\n"
            + _markdown(table) + "\n" + _litter_wards(view, pi_id))


def _litter_wards(view: _View, pi_id: str) -> str:
    wards = view.values[(view.values["pi_id"] == pi_id) & (view.values["ward_code"] != "")]
    wide = wards.pivot(index="ward_code", columns="period", values="value")
    facts = pd.DataFrame(_ashbrook.WARDS, columns=["ward_code", "ward", "imd_quintile", "area"])
    facts = facts.set_index("ward_code").join(wide)
    facts["hotspot"] = facts.index.isin(_ashbrook.STREET_HOTSPOT_WARDS)
    latest = wide.columns[-1]
    groups = {
        "hotspot wards": facts["hotspot"],
        "other IMD quintile 1-2 wards": ~facts["hotspot"] & (facts["imd_quintile"] <= 2),
        "IMD quintile 3-5 wards": facts["imd_quintile"] >= 3,
    }
    means = "; ".join(f"{label} {_fmt(round(facts.loc[mask, latest].mean(), 2))}"
                      for label, mask in groups.items())
    rho = facts[latest].rank().corr(facts["imd_quintile"].rank())
    table = facts.reset_index()[["ward_code", "ward", "imd_quintile", "hotspot", *wide.columns]]
    table["hotspot"] = table["hotspot"].map({True: "yes", False: ""})
    for column in wide.columns:
        table[column] = table[column].map(_fmt)
    return (f"Ward rows ({', '.join(wide.columns)}; the borough row is the sum of its wards' "
            f"numerators over their denominators). Mean ward value in {latest}: {means}. "
            f"Spearman correlation with IMD quintile: {rho:.2f} (dirtier where more deprived), "
            "so ward litter runs against ward street-cleaning satisfaction.\n\n"
            + _markdown(table))


def _perception_gap(view: _View, pi_id: str) -> str:
    series = view.series(pi_id)
    shown = [p for p in series.index if p >= "2024-25"]
    table = _trend_table(view, pi_id, shown, edge_label="red above")
    latest = shown[-2:]
    return (f"#### Missed bins ({pi_id}, key PI of {_ashbrook.PERCEPTION_GAP_SERVICE}) green "
            f"and improving while satisfaction falls\n\n{view.spec.loc[pi_id, 'name']} (lower "
            f"is better, tolerance {view.tolerance_text(pi_id)}). In {' and '.join(latest)} it "
            "is green and better than both the previous quarter and the same quarter a year "
            "before; the survey side plants a fall in waste satisfaction, so the perception-gap "
            "rule should fire.\n\n" + _markdown(table))


def _escalation(view: _View, pi_id: str) -> str:
    spec = view.spec.loc[pi_id]
    series = view.series(pi_id)
    shown = [p for p in series.index if p >= "2024-25"]
    rows = []
    for _, bench in view.benchmarks[view.benchmarks["pi_id"] == pi_id].iterrows():
        own = _annual(view, pi_id, bench["year"])
        rows.append({
            "year": bench["year"], "Ashbrook (mean of quarters)": _fmt(own),
            "lower quartile": _fmt(bench["lower_quartile"]), "median": _fmt(bench["median"]),
            "upper quartile": _fmt(bench["upper_quartile"]),
            "rank": f"{bench['rank']} of {bench['n']}",
            "position": quartile_position(own, bench["lower_quartile"],
                                          bench["upper_quartile"], spec["polarity"]),
        })
    now = view.periods[-1]
    return (f"#### Highways ({pi_id}, key PI of {_ashbrook.ESCALATION_SERVICE}) bottom "
            f"quartile and worsening\n\n{spec['name']} (%, higher is better, tolerance "
            f"{view.tolerance_text(pi_id)}). {now} is "
            f"{view.dot(pi_id, now, 4)} than {view.shifted(now, 4)} (long-term direction) and "
            f"{series.loc[now, 'rag']}; in 2024-25 Ashbrook is below its group's lower "
            "quartile, so the escalation rule should fire.\n\n"
            + _markdown(_trend_table(view, pi_id, shown, edge_label="red below")) + "\n"
            + f"Benchmarks ({view.benchmarks['comparator_group'].iloc[0]}):\n\n"
            + _markdown(pd.DataFrame(rows)))


def _persistent_red(view: _View, pi_id: str) -> str:
    series = view.series(pi_id)
    shown = list(series.index[-4:])
    table = _trend_table(view, pi_id, shown, edge_label="red above")
    red = [p for p in shown if series.loc[p, "rag"] == "red"]
    return (f"#### Persistent red without commentary ({pi_id})\n\n"
            f"{view.spec.loc[pi_id, 'name']} (lower is better, tolerance "
            f"{view.tolerance_text(pi_id)}) is red in {' and '.join(red)} and neither quarter "
            "has commentary, so the pack should be flagged incomplete.\n\n" + _markdown(table))


def _trend_table(view: _View, pi_id: str, periods: list[str], *, edge_label: str
                 ) -> pd.DataFrame:
    series = view.series(pi_id)
    rows = []
    for period in periods:
        row = series.loc[period]
        rows.append({
            "period": period, "value": _fmt(row["value"]), "target": _fmt(row["target"]),
            edge_label: _fmt(view.edge(pi_id, row["target"])), "RAG": row["rag"],
            "vs previous quarter": view.dot(pi_id, period, 1),
            "vs same quarter last year": view.dot(pi_id, period, 4),
            "commentary": row["commentary"] or "(none)",
        })
    return pd.DataFrame(rows)


def _data_quality(view: _View) -> str:
    borough = view.borough
    flagged = borough[(borough["data_status"] != "final") | (borough["dq_flag"] != "none")]
    table = flagged[["pi_id", "period", "data_status", "dq_flag", "value", "commentary"]].copy()
    table["value"] = table["value"].map(_fmt)
    counts = flagged["data_status"].value_counts()
    missing = counts.get("missing", 0)
    wards = view.values[view.values["ward_code"] != ""]
    ward_final = ((wards["data_status"] == "final") & (wards["dq_flag"] == "none")).sum()
    return (f"### Data quality\n\n{missing} of {len(borough)} borough values are missing "
            f"({missing / len(borough):.1%}, value blank), {counts.get('estimated', 0)} "
            f"estimated, {counts.get('provisional', 0)} provisional (all in "
            f"{_ashbrook.CURRENT_PERIOD}); {(borough['dq_flag'] == 'restated').sum()} value is "
            f"restated and {(borough['dq_flag'] == 'caveat').sum()} carry a caveat. "
            f"{ward_final} of {len(wards)} ward rows are final with no data-quality flag.\n\n"
            + _markdown(table))


def _benchmark_positions(view: _View) -> str:
    year = view.benchmarks["year"].max()
    rows = []
    for _, bench in view.benchmarks[view.benchmarks["year"] == year].iterrows():
        spec = view.spec.loc[bench["pi_id"]]
        own = _annual(view, bench["pi_id"], year)
        rows.append({
            "PI": bench["pi_id"], "name": spec["name"], "polarity": spec["polarity"],
            "Ashbrook": _fmt(own), "lower quartile": _fmt(bench["lower_quartile"]),
            "median": _fmt(bench["median"]), "upper quartile": _fmt(bench["upper_quartile"]),
            "rank": f"{bench['rank']} of {bench['n']}",
            "position": quartile_position(own, bench["lower_quartile"],
                                          bench["upper_quartile"], spec["polarity"]),
        })
    return (f"### Benchmark positions, {year}\n\nQuartiles are the 25th/50th/75th percentiles of "
            "Ashbrook and its 15 comparators; rank 1 is best given the polarity. Ashbrook's "
            "annual value is the Q4 value for year-to-date and annual indicators and the mean "
            "of the year's available quarters (to 2 decimals) for the others.\n\n"
            + _markdown(pd.DataFrame(rows)))


def _annual(view: _View, pi_id: str, year: str) -> float:
    spec = view.spec.loc[pi_id]
    return annual_value(view.series(pi_id).reset_index(), year,
                        cumulative=spec["cumulative"] == "true", frequency=spec["frequency"])


def _fmt(value) -> str:
    """A number as written in the tables: thousands separators, no trailing zeros."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{float(value):,.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, table.columns)) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    for row in table.itertuples(index=False):
        cells = [str(cell).replace("|", "\\|") for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
