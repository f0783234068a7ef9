"""Charts: what each figure draws (points, letters, bands, quartile marks), read back from its
artists, against values worked out by hand from the data given to it.

The charts draw the evidence store's rows: a PI trend chart the ``pi_chart`` rows of a service
(:func:`pmresearch.store._performance.pi_chart_rows`, which judges each value), a benchmark
strip the benchmarked ``indicators`` rows. The small examples build those rows from raw
indicator tables, so the letters drawn are checked against RAG worked out by hand.
"""

from types import SimpleNamespace

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from IPython.display import Markdown
from matplotlib.figure import Figure

from pmresearch import sections
from pmresearch.performance import indicator_table
from pmresearch.plots import RAG_COLOURS, benchmark_strip, figure_png, pi_trends
from pmresearch.store import build_store
from pmresearch.store._performance import pi_chart_rows

PERIODS = ["2023-24 Q3", "2023-24 Q4", "2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4",
           "2025-26 Q1", "2025-26 Q2"]
INDICATORS = pd.DataFrame({
    "pi_id": ["L", "C"], "service_id": "s", "name": ["Litter", "Fly-tips reported"],
    "unit": ["%", "incidents"], "polarity": ["lower_better", "context"],
    "tolerance": [10.0, 5.0], "tolerance_type": "relative"})
# Litter: target 6, 10% tolerance, so red above 6.6.
LITTER = pd.DataFrame({
    "pi_id": "L", "period": PERIODS,
    "value": [5.5, 6.3, np.nan, 7.0, 6.0, 9.0, 6.6, 7.2], "target": 6.0,
    "data_status": ["final", "final", "missing", "final", "final", "estimated", "provisional",
                    "final"],
    "dq_flag": ["none"] * 7 + ["restated"]})
CONTEXT = pd.DataFrame({"pi_id": "C", "period": PERIODS, "value": np.arange(8) * 10.0 + 400,
                        "target": np.nan})
VALUES = pd.concat([LITTER, CONTEXT], ignore_index=True)


def by_gid(axes, gid: str) -> list:
    return [a for a in axes.get_children() if a.get_gid() == gid]


def chart_rows(indicators: pd.DataFrame, values: pd.DataFrame, service_id: str, period: str, *,
               quarters: int = 8, settings: dict | None = None) -> pd.DataFrame:
    """The store's ``pi_chart`` rows of a service, from raw indicator tables (the default
    settings of :data:`pmresearch.performance.DEFAULT_SETTINGS` unless given)."""
    ws = SimpleNamespace(indicators=indicators, pi_values=values,
                         parameters=SimpleNamespace(settings=settings or {}))
    return pi_chart_rows(ws, service_id, period, quarters)


@pytest.fixture(scope="module")
def trends() -> Figure:
    return pi_trends(chart_rows(INDICATORS, VALUES, "s", "2025-26 Q2", quarters=8))


def test_one_panel_per_indicator_with_the_quarters_on_the_axis(trends):
    assert len(trends.axes) == 2
    assert [t.get_text() for t in trends.axes[0].get_xticklabels()] == PERIODS
    assert trends.axes[0].get_title(loc="left") == "L: Litter"


def test_each_recorded_value_is_a_point_coloured_by_its_rag(trends):
    points = by_gid(trends.axes[0], "rag-points")
    assert len(points) == 1
    offsets = points[0].get_offsets()
    # 7 recorded values (the missing quarter has none) at their x positions.
    assert offsets[:, 0].tolist() == [0, 1, 3, 4, 5, 6, 7]
    assert offsets[:, 1].tolist() == [5.5, 6.3, 7.0, 6.0, 9.0, 6.6, 7.2]
    expected = ["green", "amber", "red", "green", "no data", "amber", "red"]
    assert [mcolors.to_hex(c) for c in points[0].get_facecolors()] == [
        RAG_COLOURS[r] for r in expected]


def test_points_are_lettered_so_colour_is_not_the_only_cue(trends):
    letters = [t.get_text() for t in trends.axes[0].texts if t.get_text() != "missing"]
    # 5.5 ≤ 6 G; 6.3 within 6.6 A; 7.0 R; 6.0 on target G; 9.0 estimated E (no RAG);
    # 6.6 on the red line A, provisional *; 7.2 R, restated *.
    assert letters == ["G", "A", "R", "G", "E", "A*", "R*"]
    missing = [t for t in trends.axes[0].texts if t.get_text() == "missing"]
    assert len(missing) == 1 and missing[0].get_position()[0] == 2


def test_tolerance_band_runs_from_target_to_the_red_line(trends):
    band = by_gid(trends.axes[0], "tolerance")
    assert len(band) == 1
    y = np.concatenate([p.vertices[:, 1] for p in band[0].get_paths()])
    assert (y.min(), y.max()) == pytest.approx((6.0, 6.6))
    target = by_gid(trends.axes[0], "target")[0]
    assert set(target.get_ydata()) == {6.0}


def test_the_value_line_breaks_at_a_missing_quarter(trends):
    line = by_gid(trends.axes[0], "values")[0]
    assert np.isnan(line.get_ydata()[2]) and len(line.get_ydata()) == 8


def test_context_indicator_has_points_but_no_target_band_or_letters(trends):
    axes = trends.axes[1]
    assert len(by_gid(axes, "rag-points")[0].get_offsets()) == 8
    assert by_gid(axes, "tolerance") == [] and by_gid(axes, "target") == []
    assert len(axes.texts) == 0


def test_one_legend_explains_every_letter(trends):
    labels = [t.get_text() for t in trends.legends[0].get_texts()]
    assert labels == ["value", "target", "tolerance (amber band)", "G green: on target",
                      "A amber: within tolerance", "R red: beyond tolerance",
                      "E estimated: no RAG", "* provisional or restated"]


def test_havering_setting_changes_the_letters():
    values = LITTER.assign(value=[5.5, 6.3, 8.0, 7.0, 6.0, 6.5, 7.5, 6.9])
    values["data_status"] = "final"
    standard = pi_trends(chart_rows(INDICATORS, values, "s", "2025-26 Q2"))
    havering = pi_trends(chart_rows(INDICATORS, values, "s", "2025-26 Q2",
                                    settings={"rag": {"variant": "havering"}}))
    # 2025-26 Q2 = 6.9 is red; a year before (2024-25 Q2) it was 7.0, so Havering makes it amber.
    assert standard.axes[0].texts[-1].get_text() == "R*"
    assert havering.axes[0].texts[-1].get_text() == "A*"


def test_a_service_without_indicators_says_so():
    chart = chart_rows(INDICATORS, VALUES, "other", "2025-26 Q2")
    assert chart.empty
    figure = pi_trends(chart, empty_label="other")
    assert figure.axes == []
    assert [t.get_text() for t in figure.texts] == ["No performance indicators for other"]


def test_a_year_to_date_panel_restarts_its_line_each_financial_year():
    # Running visits 2024-25 Q3 300, Q4 400, then 2025-26 Q1 90 … Q4 420: drawn as reported,
    # one line per financial year, so the fall from 400 to 90 is not joined up as a drop.
    indicators = pd.DataFrame({"pi_id": ["V"], "service_id": "s", "name": ["Visits"],
                               "unit": ["visits"], "polarity": ["higher_better"],
                               "tolerance": [5.0], "tolerance_type": ["relative"],
                               "cumulative": [True]})
    values = pd.DataFrame({"pi_id": "V", "period": PERIODS[4:] + ["2025-26 Q3", "2025-26 Q4"],
                           "value": [300.0, 400.0, 90.0, 200.0, 310.0, 420.0], "target": np.nan})
    figure = pi_trends(chart_rows(indicators, values, "s", "2025-26 Q4", quarters=6))
    lines = by_gid(figure.axes[0], "values")
    assert [line.get_ydata().tolist() for line in lines] == [[300.0, 400.0],
                                                             [90.0, 200.0, 310.0, 420.0]]
    assert [line.get_xdata().tolist() for line in lines] == [[0.0, 1.0], [2.0, 3.0, 4.0, 5.0]]
    assert figure.axes[0].get_title(loc="left") == "V: Visits (year to date)"
    # An in-quarter PI keeps one line across the year end.
    plain = pi_trends(chart_rows(indicators.assign(cumulative=False), values, "s", "2025-26 Q4",
                                 quarters=6))
    assert len(by_gid(plain.axes[0], "values")) == 1
    assert plain.axes[0].get_title(loc="left") == "V: Visits"


# ---------------------------------------------------------------- the demo council


@pytest.fixture(scope="module")
def store(demo_ws):
    return build_store(demo_ws, "2025-26 Q2")


def benchmarked(store, service_id: str) -> pd.DataFrame:
    """The service's PIs that have a benchmark, as the pack's benchmark section draws them."""
    table = store.rows("indicators", service_id)
    return table[table["benchmark_quartile"].notna()].reset_index(drop=True)


def test_demo_litter_panel_ends_in_three_reds(store):
    figure = pi_trends(store.rows("pi_chart", "street_cleansing"))
    letters = [t.get_text() for t in figure.axes[0].texts]
    assert letters[-3:] == ["R", "R", "R"] and letters[:-3] == ["G"] * 5
    assert figure_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def highways(store) -> Figure:
    return benchmark_strip(benchmarked(store, "highways"))


def test_benchmark_strip_has_one_strip_per_benchmarked_indicator(highways):
    # HW01–HW03 are benchmarked in benchmarks.csv; HW04 is not.
    assert [a.get_title(loc="left").split(":")[0] for a in highways.axes] == ["HW01", "HW02", "HW03"]


def test_benchmark_strip_draws_the_quartiles_and_the_council(highways):
    # benchmarks.csv, HW01 2024-25: 94.76 / 96.53 / 97.3, rank 15 of 16; Ashbrook's 2024-25 is
    # the mean of its four quarters, (92.9 + 92.8 + 91.7 + 93.0) / 4 = 92.6.
    axes = highways.axes[0]
    bar, = by_gid(axes, "middle-half")
    assert (bar.get_x(), bar.get_x() + bar.get_width()) == pytest.approx((94.76, 97.3))
    median = by_gid(axes, "median")[0].get_segments()[0]
    assert median[:, 0].tolist() == pytest.approx([96.53, 96.53])
    council = by_gid(axes, "council")[0]
    assert council.get_xdata()[0] == pytest.approx(92.6)
    assert [t.get_text() for t in axes.texts] == ["92.6: bottom quartile, rank 15 of 16"]
    assert [t.get_text() for t in axes.get_xticklabels()] == [
        "LQ 94.76", "median 96.53", "UQ 97.3"]


def test_benchmark_strip_puts_better_on_the_right(highways):
    hw01, hw02, _ = highways.axes  # higher is better, then lower is better
    assert not hw01.xaxis_inverted() and hw02.xaxis_inverted()
    assert [t.get_text() for t in hw02.texts] == ["3.9: 2nd quartile, rank 5 of 16"]


def test_benchmark_strip_without_benchmarks_says_so(store):
    # Parks has no PI in benchmarks.csv: the section says so in words instead of a chart.
    assert benchmarked(store, "parks").empty
    shown = sections.benchmark_position(store, "parks")
    assert isinstance(shown, Markdown)
    assert shown.data == "_No benchmark data for this service's indicators._"
    figure = benchmark_strip(benchmarked(store, "parks"))
    assert figure.axes == []
    assert [t.get_text() for t in figure.texts] == ["No benchmarks"]


def test_ward_scatter_draws_every_ward_labelled_and_the_least_squares_line():
    from pmresearch.plots import ward_scatter

    wards = pd.DataFrame({"ward_code": ["A", "B", "C", "D"], "pct_satisfied": [70.0, 64.0, 52.0, 50.0],
                          "value": [3.0, 5.0, 8.0, 9.0]})
    axes = ward_scatter(wards, pi_label="Litter %", item_label="% satisfied",
                        labels=pd.Series(["Ash", "Birch", "Cedar", "Deal"])).axes[0]
    assert [t.get_text() for t in axes.texts] == ["Ash", "Birch", "Cedar", "Deal"]
    assert len(axes.collections[0].get_offsets()) == 4
    # Least squares by hand: x̄ = 6.25, ȳ = 59, Sxy = -79, Sxx = 22.75.
    slope = -79 / 22.75
    xs, ys = axes.lines[0].get_data()
    assert list(xs) == [3.0, 9.0]
    assert list(ys) == pytest.approx([59 + slope * (3 - 6.25), 59 + slope * (9 - 6.25)])


# ---------------------------------------------------------------- workspace text drawn as written

# Two $ would make matplotlib typeset the text between them as mathematics; "\per" between them
# is not a symbol it knows, so drawing that label would fail.
DOLLAR_TEXTS = ["Cost per £ $ spent $x", "$x^2$", "Spend $ per head", r"Cost $\per £$"]


def _dollar_texts(figure: Figure) -> list:
    from matplotlib.text import Text

    return [t for t in figure.findobj(Text) if "$" in t.get_text()]


def test_dollars_in_pi_names_and_units_are_drawn_as_written():
    indicators = INDICATORS.assign(name=[DOLLAR_TEXTS[0], DOLLAR_TEXTS[3]],
                                   unit=[DOLLAR_TEXTS[1], DOLLAR_TEXTS[2]])
    figure = pi_trends(chart_rows(indicators, VALUES, "s", "2025-26 Q2"))
    assert [(a.get_title(loc="left"), a.get_ylabel()) for a in figure.axes] == [
        ("L: Cost per £ $ spent $x", "$x^2$"), (r"C: Cost $\per £$", "Spend $ per head")]
    texts = _dollar_texts(figure)
    assert len(texts) == 4 and not any(t.get_parse_math() for t in texts)
    assert figure_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_dollars_in_a_benchmarked_pi_name_are_drawn_as_written():
    bench = pd.DataFrame({"pi_id": ["L"], "year": ["2024-25"], "comparator_group": ["NN"],
                          "lower_quartile": [6.5], "median": [7.8], "upper_quartile": [9.6]})
    indicators = INDICATORS.assign(name=[DOLLAR_TEXTS[3], "Fly-tips"])
    table = indicator_table(indicators, VALUES, "s", "2025-26 Q2", benchmarks=bench)
    figure = benchmark_strip(table[table["benchmark_quartile"].notna()])
    assert figure.axes[0].get_title(loc="left") == r"L: Cost $\per £$ (2024-25, better →)"
    texts = _dollar_texts(figure)
    assert len(texts) == 1 and not texts[0].get_parse_math()
    assert figure_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_dollars_in_ward_names_and_axis_titles_are_drawn_as_written():
    from pmresearch.plots import ward_scatter

    wards = pd.DataFrame({"ward_code": ["A", "B", "C", "D"],
                          "pct_satisfied": [70.0, 64.0, 52.0, 50.0],
                          "value": [3.0, 5.0, 8.0, 9.0]})
    figure = ward_scatter(wards, pi_label=DOLLAR_TEXTS[0], item_label=DOLLAR_TEXTS[1],
                          labels=pd.Series(DOLLAR_TEXTS))
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.texts] == DOLLAR_TEXTS
    assert (axes.get_xlabel(), axes.get_ylabel()) == (DOLLAR_TEXTS[0], DOLLAR_TEXTS[1])
    texts = _dollar_texts(figure)
    assert len(texts) == 6 and not any(t.get_parse_math() for t in texts)
    assert figure_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"
