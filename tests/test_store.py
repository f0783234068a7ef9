"""The evidence store: what a chart draws is what its "data behind this chart" lists, the
store survives being written and read back, a failed write leaves the store before it whole,
and a council of another shape gets every table.

The charts are read back from their matplotlib artists (points, lines, letters, strips) and
compared with the table the section puts under the chart, for every service of the demo and of
a generated council (tests/councils.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Annotation

from pmresearch import report, sections
from pmresearch.errors import PackError
from pmresearch.store import STORE_VERSION, TABLES, EvidenceStore, build_store, open_store
from pmresearch.workspace import load_workspace
from tests.councils import shape_from_seed, write_council

#: A generated council unlike the demo (tests/test_validate_catches.py uses it too): four
#: waves with their own names, design weights, services asked of only some residents.
SEED = 6


@pytest.fixture(scope="module")
def demo_store(demo_ws):
    return build_store(demo_ws, demo_ws.council["current_period"])


@pytest.fixture(scope="module")
def generated_ws(tmp_path_factory):
    shape = shape_from_seed(SEED)
    shape = replace(shape, formats=tuple((stem, "utf-8") for stem, _ in shape.formats))
    folder = write_council(tmp_path_factory.mktemp("generated") / "council", shape, SEED)
    return load_workspace(folder, cache=False)


@pytest.fixture(scope="module")
def generated_store(generated_ws):
    return build_store(generated_ws, generated_ws.council["current_period"])


@pytest.fixture(params=["demo", "generated"])
def council(request) -> tuple[bool, EvidenceStore]:
    """(whether it is the demo, its store): the demo, then the generated council."""
    return request.param == "demo", request.getfixturevalue(f"{request.param}_store")


def by_gid(axes, gid: str) -> list:
    return [artist for artist in axes.get_children() if artist.get_gid() == gid]


def drawn_charts(store: EvidenceStore, section, monkeypatch) -> list[tuple[str, object, pd.DataFrame]]:
    """(service, figure, data) of each chart ``section`` draws for the store's services, as
    the section hands them to :func:`pmresearch.report.chart`."""
    captured = []

    def capture(figure, *, data, **_):
        captured.append((figure, data))
        return None

    monkeypatch.setattr(report, "chart", capture)
    drawn = []
    for service_id in store.table("services")["service_id"]:
        before = len(captured)
        section(store, service_id)
        if len(captured) > before:
            figure, data = captured[-1]
            drawn.append((service_id, figure, data))
    return drawn


# ---------------------------------------------------------------- the data behind each chart

#: The letter drawn beside a point for each RAG the data table shows in words and symbols.
LETTERS = {"●": "G", "▲": "A", "■": "R", "○": "E"}


def _letter(rag) -> str | None:
    """The letter a reader sees beside a point of this RAG ("■ Red (provisional)" → "R*")."""
    if not isinstance(rag, str) or rag[:1] not in LETTERS:
        return None  # n/a (a context PI) or no RAG: no letter
    return LETTERS[rag[:1]] + ("*" if rag.endswith(")") else "")


def test_pi_trend_points_and_letters_are_the_rows_of_the_table_under_the_chart(council,
                                                                               monkeypatch):
    _, store = council
    charts = drawn_charts(store, sections.indicator_trends, monkeypatch)
    assert any(len(data) for _, _, data in charts)
    for service_id, figure, data in charts:
        assert list(data.columns) == ["PI", "Quarter", "Value", "Target", "RAG", "Data status"]
        assert [axes.get_title(loc="left").split(":")[0] for axes in figure.axes] == list(
            dict.fromkeys(store.rows("pi_chart", service_id)["pi_id"]))
        for axes in figure.axes:
            pi = axes.get_title(loc="left").split(":")[0]
            quarters = [label.get_text() for label in axes.get_xticklabels()]
            mine = data[data["PI"] == pi]
            valued = mine[mine["Value"].notna()]
            # Each point: at its quarter, at the value listed for it.
            points = by_gid(axes, "rag-points")
            offsets = points[0].get_offsets() if points else np.empty((0, 2))
            assert [quarters[int(x)] for x in offsets[:, 0]] == valued["Quarter"].tolist(), pi
            assert offsets[:, 1].tolist() == valued["Value"].tolist(), pi
            # The value line passes through the same values, quarter by quarter.
            line = np.concatenate([artist.get_ydata() for artist in by_gid(axes, "values")])
            listed = mine.set_index("Quarter")["Value"].reindex(quarters).to_numpy(float)
            np.testing.assert_array_equal(line, listed, err_msg=pi)
            # The letter beside each point is its RAG in the table.
            letters = [(quarters[round(t.xy[0])], t.xy[1], t.get_text())
                       for t in axes.texts if isinstance(t, Annotation)]
            assert letters == [(row.Quarter, row.Value, _letter(row.RAG))
                               for row in valued.itertuples() if _letter(row.RAG)], pi
            # Each quarter listed as missing is marked so on the chart.
            missing = [t.get_position()[0] for t in axes.texts if t.get_text() == "missing"]
            assert [quarters[int(x)] for x in missing] == \
                mine.loc[mine["Data status"] == "missing", "Quarter"].tolist(), pi
            # The target line at each listed quarter is the target listed.
            target = by_gid(axes, "target")
            if target:
                drawn = pd.Series(target[0].get_ydata(), index=quarters)
                np.testing.assert_array_equal(drawn[mine["Quarter"]].to_numpy(float),
                                              mine["Target"].to_numpy(float), err_msg=pi)
            else:
                assert mine["Target"].isna().all(), pi


def test_benchmark_strips_mark_the_values_in_the_table_under_the_chart(council, monkeypatch):
    is_demo, store = council
    charts = drawn_charts(store, sections.benchmark_position, monkeypatch)
    if is_demo:
        assert len(charts) >= 2  # the demo benchmarks several services
    for service_id, figure, data in charts:
        ours = f"{store.meta['council']} value"
        assert list(data.columns) == ["PI", "Year", ours, "Lower quartile", "Median",
                                      "Upper quartile", "Position", "Rank", "Of"]
        assert len(figure.axes) == len(data)
        for axes, row in zip(figure.axes, data.to_dict("records")):
            assert axes.get_title(loc="left").startswith(f"{row['PI']}: "), service_id
            council, = by_gid(axes, "council")
            assert council.get_xdata().tolist() == [row[ours]]
            bar, = by_gid(axes, "middle-half")
            assert (bar.get_x(), bar.get_x() + bar.get_width()) == pytest.approx(
                (row["Lower quartile"], row["Upper quartile"]))
            median = by_gid(axes, "median")[0].get_segments()[0]
            assert median[:, 0].tolist() == [row["Median"], row["Median"]]
            label, = axes.texts
            assert label.xy[0] == row[ours]
            # The label's quartile is the table's position ("2nd quartile" / "second quartile").
            ordinal = {"top quartile": "top", "second quartile": "2nd", "third quartile": "3rd",
                       "bottom quartile": "bottom"}[row["Position"]]
            assert f": {ordinal} quartile" in label.get_text(), service_id


def test_ward_points_are_the_wards_in_the_table_under_the_chart(council, monkeypatch):
    is_demo, store = council
    charts = drawn_charts(store, sections.ward_scatter, monkeypatch)
    if is_demo:
        assert len(charts) >= 2  # the demo has ward values for several services
    for service_id, figure, data in charts:
        axes, = figure.axes
        value = data.columns[4]  # "<PI name> (<unit>)"
        assert list(data.columns) == ["Ward", "% satisfied", "Base", "Note", value,
                                      "IMD quintile"]
        low = data["Note"].fillna("").str.startswith("low base")
        labels = [(t.get_text(), *t.xy) for t in axes.texts if isinstance(t, Annotation)]
        assert labels == [(f"{ward} (low base)" if is_low else ward, x, y) for ward, x, y, is_low
                          in zip(data["Ward"], data[value], data["% satisfied"], low)], service_id
        # Every ward is a point (hollow on a low base) at (PI value, % satisfied).
        solid = axes.collections[0].get_offsets().tolist()
        hollow = [point for collection in by_gid(axes, "low-base")
                  for point in collection.get_offsets().tolist()]
        assert solid == data.loc[~low, [value, "% satisfied"]].to_numpy(float).tolist()
        assert hollow == data.loc[low, [value, "% satisfied"]].to_numpy(float).tolist()


# ---------------------------------------------------------------- writing and reading


@pytest.fixture(scope="module")
def written(demo_store, tmp_path_factory) -> Path:
    return demo_store.write(tmp_path_factory.mktemp("stores") / "evidence")


def test_a_written_store_reads_back_the_same_tables(demo_store, written):
    opened = open_store(written)
    assert opened.folder == written and opened.period == demo_store.period
    for name in TABLES:
        memory, disk = demo_store.table(name), opened.table(name)
        # Text comes back as pandas' text type, a missing text (None in memory) as its
        # missing value; numbers and yes/no typed as such in memory keep their types.
        pd.testing.assert_frame_equal(_text_as_objects(disk), _text_as_objects(memory),
                                      check_dtype=False, obj=name)
        typed = memory.select_dtypes(["number", "bool"]).columns
        assert disk[typed].dtypes.to_dict() == memory[typed].dtypes.to_dict(), name


def _text_as_objects(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its text columns as objects, missing text as None."""
    text = [column for column in table.columns
            if pd.api.types.infer_dtype(table[column], skipna=True) in ("string", "empty")
            and not pd.api.types.is_numeric_dtype(table[column])]
    table = table.astype({column: object for column in text})
    table[text] = table[text].where(table[text].notna(), None)
    return table


def test_a_written_store_records_its_meta_and_each_tables_sha256(demo_store, written):
    meta = json.loads((written / "store.json").read_text(encoding="utf-8"))
    assert {key: value for key, value in meta.items() if key != "tables"} == \
        json.loads(json.dumps(demo_store.meta))
    assert meta["store_version"] == STORE_VERSION
    assert meta["tables"] == {name: hashlib.sha256((written / f"{name}.parquet").read_bytes())
                              .hexdigest() for name in TABLES}
    assert sorted(path.name for path in written.iterdir()) == sorted(
        ["store.json", *(f"{name}.parquet" for name in TABLES)])
    assert open_store(written).meta == meta


def test_a_folder_without_a_store_is_refused_by_name(tmp_path):
    folder = tmp_path / "outputs" / "2025-26 Q2" / "evidence"
    folder.mkdir(parents=True)
    with pytest.raises(PackError) as error:
        open_store(folder)
    assert str(error.value) == (
        f"{folder} holds no evidence store of layout version {STORE_VERSION} (store.json "
        "missing or from another version). Make it with pmresearch packs or pmresearch "
        "evidence.")


def test_a_store_of_another_layout_version_is_refused(written, tmp_path):
    folder = Path(shutil.copytree(written, tmp_path / "evidence"))
    meta = json.loads((folder / "store.json").read_text(encoding="utf-8"))
    (folder / "store.json").write_text(json.dumps({**meta, "store_version": STORE_VERSION + 1}),
                                       encoding="utf-8")
    with pytest.raises(PackError, match=r"holds no evidence store of layout version"):
        open_store(folder)


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_failed_write_leaves_the_store_before_it_as_it_was(demo_store, written, tmp_path,
                                                              monkeypatch):
    folder = Path(shutil.copytree(written, tmp_path / "evidence"))
    before = _contents(folder)
    later = EvidenceStore({**demo_store.meta, "period": "2025-26 Q3"}, None,
                          {name: demo_store.table(name) for name in TABLES})
    to_parquet, calls = pd.DataFrame.to_parquet, []

    def fail_on_the_fifth(frame, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise OSError("No space left on device")
        return to_parquet(frame, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_the_fifth)
    with pytest.raises(OSError, match="No space left on device"):
        later.write(folder)
    assert len(calls) == 5
    assert _contents(folder) == before
    assert open_store(folder).period == demo_store.period
    # Nothing half-written is left beside it (the staging folder is removed).
    assert [path.name for path in tmp_path.iterdir()] == ["evidence"]


def test_a_complete_write_replaces_the_store_and_leaves_nothing_beside_it(demo_store, written,
                                                                          tmp_path):
    folder = Path(shutil.copytree(written, tmp_path / "evidence"))
    later = EvidenceStore({**demo_store.meta, "period": "2025-26 Q3"}, None,
                          {name: demo_store.table(name) for name in TABLES})
    assert later.write(folder) == folder
    assert open_store(folder).period == "2025-26 Q3"
    assert [path.name for path in tmp_path.iterdir()] == ["evidence"]


# ---------------------------------------------------------------- a council of another shape


def test_a_generated_council_gets_every_table_and_a_row_per_service(generated_ws,
                                                                    generated_store):
    for name in TABLES:
        assert isinstance(generated_store.table(name), pd.DataFrame), name
    services = generated_store.table("services")
    assert services["service_id"].tolist() == generated_ws.services["service_id"].tolist()
    known = set(services["service_id"])
    for name in TABLES:
        table = generated_store.table(name)
        if "service_id" in table and name not in ("findings", "improvement_actions") \
                and not name.startswith("evidence_"):
            assert set(table["service_id"]) <= known, name
    assert generated_store.period == generated_ws.council["current_period"]
    assert generated_store.meta["council"] == generated_ws.council["name"]
