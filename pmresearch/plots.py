"""Charts shared by the evidence packs and the analyst notebooks.

Functions build ``matplotlib.figure.Figure`` objects without touching pyplot's global state, so
they are safe in worker processes and in notebooks alike.
"""

from __future__ import annotations

import io
import textwrap

import pandas as pd
from matplotlib.figure import Figure

from .performance import pi_history

__all__ = ["figure_png", "pi_trends"]


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


def pi_trends(indicators: pd.DataFrame, pi_values: pd.DataFrame, service_id: str, period: str,
              *, quarters: int = 8) -> Figure:
    """Small multiples of each PI of a service against its target over recent quarters.

    Parameters
    ----------
    indicators, pi_values : DataFrame
        The workspace's indicator list and values.
    service_id : str
        Service whose PIs are drawn.
    period : str
        Last quarter shown, e.g. ``'2025-26 Q2'``.
    quarters : int, default 8
        How many quarters to show.

    Returns
    -------
    Figure
        One panel per PI: values as a line with markers, target as a dashed line.

    Examples
    --------
    >>> pis = pd.DataFrame({"pi_id": ["A"], "service_id": ["s"], "name": ["Litter %"], "unit": ["%"]})
    >>> values = pd.DataFrame({"pi_id": ["A", "A"], "period": ["2025-26 Q1", "2025-26 Q2"],
    ...                        "value": [5.0, 7.5], "target": [6.0, 6.0]})
    >>> len(pi_trends(pis, values, "s", "2025-26 Q2").axes)
    1
    """
    service_pis = indicators[indicators["service_id"] == service_id]
    history = pi_history(pi_values, service_pis["pi_id"].tolist(), period, quarters)
    panels = max(len(service_pis), 1)
    columns = min(panels, 2)
    rows = -(-panels // columns)
    figure = Figure(figsize=(5.2 * columns, 3.1 * rows))
    # Fixed margins instead of a layout engine: the panels are uniform, and a layout engine
    # would double the rendering time of every pack.
    figure.subplots_adjust(left=0.09 / columns * 2, right=0.98, top=1 - 0.35 / (3.1 * rows),
                           bottom=0.95 / (3.1 * rows), hspace=0.75, wspace=0.25)
    for index, pi in enumerate(service_pis.itertuples(index=False)):
        axes = figure.add_subplot(rows, columns, index + 1)
        series = history[history["pi_id"] == pi.pi_id]
        axes.plot(series["period"], series["value"], marker="o", color="#1f4e79", label="value")
        axes.plot(series["period"], series["target"], linestyle="--", color="#6b6b6b", label="target")
        axes.set_title(textwrap.shorten(f"{pi.pi_id}: {pi.name}", 62, placeholder="…"),
                       fontsize=9, loc="left")
        axes.set_ylabel(pi.unit, fontsize=8)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        axes.tick_params(axis="y", labelsize=7)
        axes.legend(fontsize=7, frameon=False)
    if service_pis.empty:
        figure.text(0.5, 0.5, f"No performance indicators for {service_id}", ha="center")
    return figure
