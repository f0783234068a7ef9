"""Charts shared by the evidence packs and the analyst notebooks.

Functions build ``matplotlib.figure.Figure`` objects without touching pyplot's global state, so
they are safe in worker processes and in notebooks alike. Every text they draw comes out as
written: PI, unit and ward names are workspace text, and matplotlib would otherwise read the
part between two ``$`` as mathematics (or fail to draw a name like ``Cost $\\per £$``).
"""

from __future__ import annotations

import functools
import io
import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .bases import LOW_BASE

__all__ = ["RAG_COLOURS", "benchmark_strip", "figure_png", "pi_trends", "ward_scatter"]

#: Fill colours of RAG points (the letters G, A and R are drawn beside them, so colour is
#: never the only cue); grey for values without a RAG (estimated, context PIs).
RAG_COLOURS = {"green": "#2e7d32", "amber": "#e69500", "red": "#c62828", "no data": "#ffffff",
               "n/a": "#5b6b7b"}
_LETTERS = {"green": "G", "amber": "A", "red": "R", "no data": "E"}
_BAND_COLOUR = "#f3c26b"
_INK = "#1f2a36"


def _literal_text(build):
    """Make every text a chart function creates draw literally, ``$`` and ``\\`` included.

    Text artists read ``text.parse_math`` when they are made, so setting it for the duration of
    the build covers titles, axis and tick labels, annotations and legends alike, without
    escaping each string (which would also change what ``get_text`` gives back).
    """
    @functools.wraps(build)
    def literal(*args, **kwargs) -> Figure:
        with rc_context({"text.parse_math": False, "text.usetex": False}):
            return build(*args, **kwargs)
    return literal


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes with the Agg canvas (no pyplot, no GUI backend).

    Examples
    --------
    >>> figure_png(Figure(figsize=(1, 1)))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@_literal_text
def pi_trends(chart: pd.DataFrame, *, empty_label: str = "this service") -> Figure:
    """Small multiples of PIs against their targets over recent quarters.

    Each panel shows the target (dashed, stepping where the financial year's target changes),
    the tolerance band between the target and the red line (shaded), the recorded values as a
    line, and each value as a point coloured by its RAG *and* lettered G, A or R (E for an
    estimated value, which gets no RAG; ``*`` marks a provisional or restated value), so the
    chart reads in greyscale too. A missing quarter is a gap marked "missing". Context PIs
    have no target, band or letters. A year-to-date PI is drawn as reported, running totals
    against its year-to-date target, with "(year to date)" in its title and one line per
    financial year, so the restart at each Q1 never reads as a fall. One legend for the
    figure.

    Parameters
    ----------
    chart : DataFrame
        One row per PI and quarter shown, in order: ``pi_id``, ``name``, ``unit``,
        ``period``, ``value``, ``target``, ``red_threshold``, ``rag``, ``rag_marker``,
        ``data_status`` and ``year_to_date``, as the evidence store's ``pi_chart`` table
        holds them (:func:`pmresearch.store._performance.pi_chart_rows`). Nothing is judged
        here: the chart draws exactly these rows.
    empty_label : str
        Named in the message drawn when ``chart`` is empty.

    Returns
    -------
    Figure
        One panel per PI.

    Examples
    --------
    >>> chart = pd.DataFrame({"pi_id": "A", "name": "Litter %", "unit": "%",
    ...     "period": ["2025-26 Q1", "2025-26 Q2"], "value": [5.0, 7.5], "target": 6.0,
    ...     "red_threshold": 6.6, "rag": ["green", "red"], "rag_marker": "",
    ...     "data_status": "final", "year_to_date": False})
    >>> figure = pi_trends(chart)
    >>> [t.get_text() for t in figure.axes[0].texts]
    ['G', 'R']
    """
    pis = list(dict.fromkeys(chart["pi_id"]))
    panels = max(len(pis), 1)
    columns = min(panels, 2)
    rows = -(-panels // columns)
    height = 3.1 * rows + 0.45
    figure = Figure(figsize=(5.2 * columns, height))
    # Fixed margins instead of a layout engine: the panels are uniform, and a layout engine
    # would double the rendering time of every pack. The top 0.45 inch holds the legend.
    figure.subplots_adjust(left=0.09 / columns * 2, right=0.98, top=1 - 0.8 / height,
                           bottom=0.95 / height, hspace=0.75, wspace=0.25)
    for index, pi_id in enumerate(pis):
        axes = figure.add_subplot(rows, columns, index + 1)
        series = chart[chart["pi_id"] == pi_id].set_index("period")
        first = series.iloc[0]
        to_date = bool(first["year_to_date"])
        _trend_panel(axes, series, year_to_date=to_date)
        suffix = " (year to date)" if to_date else ""
        axes.set_title(textwrap.shorten(f"{pi_id}: {first['name']}", 62 - len(suffix),
                                        placeholder="…") + suffix, fontsize=9, loc="left")
        axes.set_ylabel(first["unit"] if isinstance(first["unit"], str) else "", fontsize=8)
        axes.set_xticks(range(len(series)), series.index)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        axes.tick_params(axis="y", labelsize=7)
    if not pis:
        figure.text(0.5, 0.5, f"No performance indicators for {empty_label}", ha="center")
    else:
        figure.legend(handles=_trend_legend(), loc="upper center", ncol=4, fontsize=7,
                      frameon=False, bbox_to_anchor=(0.5, 1.0))
    return figure


def _trend_panel(axes, series: pd.DataFrame, *, year_to_date: bool = False) -> None:
    """Target, band, value line and lettered RAG points of one PI (``series`` by period);
    a year-to-date PI's line is one per financial year."""
    x = pd.Series(range(len(series)), index=series.index, dtype=float)
    value = series["value"].astype(float)
    if series["target"].notna().any():
        target, edge = series["target"].astype(float), series["red_threshold"].astype(float)
        axes.fill_between(x, target, edge, step="mid", color=_BAND_COLOUR, alpha=0.45,
                          linewidth=0, gid="tolerance")
        axes.plot(x, target, drawstyle="steps-mid", linestyle="--", color="#6b6b6b",
                  linewidth=1.1, gid="target")
    recorded = value.notna()
    # NaN breaks the line, so a missing quarter shows as a gap rather than a false straight run.
    years = series.index.str[:7] if year_to_date else pd.Index([""] * len(series))
    for year in dict.fromkeys(years):
        within = years == year
        axes.plot(x[within], value[within], color="#1f4e79", linewidth=1.2, gid="values")
    if recorded.any():
        rag = series.loc[recorded, "rag"].fillna("n/a")
        axes.scatter(x[recorded], value[recorded], s=30, zorder=3, gid="rag-points",
                     c=[RAG_COLOURS[r] for r in rag], edgecolors=_INK, linewidths=0.8)
        markers = series.loc[recorded, "rag_marker"].astype(object).fillna("")
        for xi, yi, r, m in zip(x[recorded], value[recorded], rag, markers):
            if r in _LETTERS:
                axes.annotate(_LETTERS[r] + ("*" if m else ""), (xi, yi), xytext=(0, 6),
                              textcoords="offset points", ha="center", fontsize=7,
                              fontweight="bold", color=_INK)
    for xi in x[series["data_status"].eq("missing").to_numpy()]:
        axes.text(xi, 0.03, "missing", transform=axes.get_xaxis_transform(), rotation=90,
                  ha="center", va="bottom", fontsize=6, color="#6b6b6b")
    axes.set_xlim(-0.5, len(series) - 0.5)
    axes.margins(y=0.18)  # room for the letters above the highest point


def _trend_legend() -> list:
    point = dict(marker="o", linestyle="", markeredgecolor=_INK, markersize=6)
    letters = [("green", "G green: on target"), ("amber", "A amber: within tolerance"),
               ("red", "R red: beyond tolerance"), ("no data", "E estimated: no RAG")]
    return [Line2D([], [], color="#1f4e79", label="value"),
            Line2D([], [], color="#6b6b6b", linestyle="--", label="target"),
            Patch(color=_BAND_COLOUR, alpha=0.45, label="tolerance (amber band)"),
            *(Line2D([], [], markerfacecolor=RAG_COLOURS[r], label=text, **point)
              for r, text in letters),
            Line2D([], [], linestyle="", label="* provisional or restated")]


_QUARTILE_NAMES = {1: "top quartile", 2: "2nd quartile", 3: "3rd quartile", 4: "bottom quartile"}


@_literal_text
def benchmark_strip(table: pd.DataFrame) -> Figure:
    """Each benchmarked PI against its comparator group's quartiles.

    One horizontal strip per PI: the middle half of the group (lower to upper quartile) as a
    bar, the median as a tick, and the council's value for the benchmark year as a point
    labelled with its quartile (1 = best) and rank. Better is always to the right: the axis is
    reversed for PIs where lower is better.

    Parameters
    ----------
    table : DataFrame
        One row per benchmarked PI, with the columns of
        :func:`pmresearch.performance.indicator_table` (the evidence store's ``indicators``
        table): ``pi_id``, ``name``, ``polarity``, ``benchmark_year``, ``benchmark_value``,
        ``lower_quartile``, ``median``, ``upper_quartile``, ``benchmark_quartile``,
        ``benchmark_rank`` and ``benchmark_n``.

    Returns
    -------
    Figure
        One axes per PI, or a single message when there is none.

    Examples
    --------
    >>> row = pd.DataFrame({"pi_id": ["A"], "name": ["Litter %"], "polarity": ["lower_better"],
    ...     "benchmark_year": ["2024-25"], "benchmark_value": [6.2], "lower_quartile": [6.5],
    ...     "median": [7.8], "upper_quartile": [9.6], "benchmark_quartile": [1],
    ...     "benchmark_rank": [None], "benchmark_n": [None]})
    >>> [t.get_text() for t in benchmark_strip(row).axes[0].texts]
    ['6.2: top quartile']
    """
    table = table.reset_index(drop=True)
    height = 0.95 * max(len(table), 1) + 0.7
    figure = Figure(figsize=(7.0, height))
    figure.subplots_adjust(left=0.04, right=0.96, top=1 - 0.45 / height, bottom=0.3 / height,
                           hspace=1.6)
    if table.empty:
        figure.text(0.5, 0.5, "No benchmarks", ha="center")
        return figure
    for index, row in table.iterrows():
        axes = figure.add_subplot(len(table), 1, index + 1)
        _strip(axes, row, row["polarity"])
    return figure


def _strip(axes, row: pd.Series, polarity: str) -> None:
    low, mid, high = (float(row[c]) for c in ("lower_quartile", "median", "upper_quartile"))
    value = float(row["benchmark_value"])
    axes.barh(0, high - low, left=low, height=0.6, color="#c9d6e3", edgecolor="#5b6b7b",
              gid="middle-half")
    axes.vlines(mid, -0.3, 0.3, color=_INK, linewidth=1.6, gid="median")
    axes.plot([value], [0], marker="D", markersize=8, color=RAG_COLOURS["n/a"], linestyle="",
              markeredgecolor=_INK, gid="council", zorder=3)
    quartile = int(row["benchmark_quartile"])
    rank = (f", rank {int(row['benchmark_rank'])} of {int(row['benchmark_n'])}"
            if pd.notna(row["benchmark_rank"]) and pd.notna(row["benchmark_n"]) else "")
    axes.annotate(f"{value:,.4g}: {_QUARTILE_NAMES[quartile]}{rank}", (value, 0),
                  xytext=(0, 9), textcoords="offset points", ha="center", fontsize=7.5,
                  color=_INK)
    lo, hi = min(low, value), max(high, value)
    pad = 0.25 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1.0)
    axes.set_xlim(lo - pad, hi + pad)
    if polarity == "lower_better":
        axes.invert_xaxis()
    axes.set_ylim(-0.6, 1.0)
    axes.set_yticks([])
    axes.set_xticks([low, mid, high], [f"LQ {low:,.4g}", f"median {mid:,.4g}", f"UQ {high:,.4g}"])
    axes.tick_params(axis="x", labelsize=7)
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    axes.set_title(textwrap.shorten(f"{row['pi_id']}: {row['name']} ({row['benchmark_year']}, "
                                    "better →)", 90, placeholder="…"), fontsize=8.5, loc="left")


@_literal_text
def ward_scatter(wards: pd.DataFrame, *, pi_label: str, item_label: str,
                 labels: pd.Series | None = None) -> Figure:
    """Ward satisfaction against a PI's ward values, with the least-squares line.

    Parameters
    ----------
    wards : DataFrame
        One row per ward: ``ward_code``, ``pct_satisfied`` (0–100) and ``value`` (the PI), as
        :func:`pmresearch.linkage.ward_points` gives them; a ward whose ``low_base`` is true
        is drawn hollow and labelled "low base".
    pi_label, item_label : str
        Axis titles.
    labels : Series, optional
        Text beside each point, indexed like ``wards`` (default: the ward codes).

    Returns
    -------
    Figure
        One panel: a point per ward, labelled, and the fitted line (omitted with fewer than
        three wards).

    Examples
    --------
    >>> wards = pd.DataFrame({"ward_code": ["A", "B", "C"], "pct_satisfied": [70.0, 60.0, 50.0],
    ...                       "value": [4.0, 6.0, 8.0]})
    >>> figure = ward_scatter(wards, pi_label="Litter %", item_label="% satisfied")
    >>> len(figure.axes[0].lines), [t.get_text() for t in figure.axes[0].texts]
    (1, ['A', 'B', 'C'])
    """
    figure = Figure(figsize=(6.4, 4.2))
    figure.subplots_adjust(left=0.11, right=0.97, top=0.95, bottom=0.13)
    axes = figure.add_subplot(1, 1, 1)
    x, y = wards["value"].to_numpy(float), wards["pct_satisfied"].to_numpy(float)
    low = (wards["low_base"].eq(True).to_numpy() if "low_base" in wards
           else np.zeros(len(wards), bool))
    axes.scatter(x[~low], y[~low], s=28, color="#1f4e79", zorder=3)
    if low.any():
        # Hollow and labelled in words, so a low base never rests on the marker's fill alone.
        axes.scatter(x[low], y[low], s=28, facecolors="white", edgecolors="#1f4e79",
                     linewidths=1.2, zorder=3, gid="low-base", label=f"{LOW_BASE} (hollow)")
    names = wards["ward_code"] if labels is None else labels
    for xi, yi, name, is_low in zip(x, y, names, low):
        axes.annotate(f"{name} ({LOW_BASE})" if is_low else str(name), (xi, yi), xytext=(4, 3),
                      textcoords="offset points", fontsize=7, color=_INK)
    if len(wards) >= 3 and np.ptp(x) > 0:
        slope, intercept = np.polyfit(x, y, 1)
        ends = np.array([x.min(), x.max()])
        axes.plot(ends, intercept + slope * ends, color="#6b6b6b", linestyle="--",
                  label="least-squares line")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, frameon=False, loc="best")
    axes.margins(x=0.12, y=0.08)  # room for the labels of the outermost wards
    axes.set_xlabel(pi_label, fontsize=8)
    axes.set_ylabel(item_label, fontsize=8)
    axes.tick_params(labelsize=7)
    return figure
