"""The schema page (docs/evidence_store.md) describes every table and column of the store."""

import re
from pathlib import Path

import pytest

from pmresearch.store import TABLES, build_store
from pmresearch.workspace import load_workspace

DOC = Path(__file__).resolve().parents[1] / "docs" / "evidence_store.md"


def _documented() -> dict[str, list[str]]:
    tables, current = {}, None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"### `(\w+)`", line)
        if heading:
            current = tables.setdefault(heading.group(1), [])
        elif current is not None and (row := re.match(r"\| `(\w+)` \| \w+ \| (.+) \|$", line)):
            current.append(row.group(1))
    return tables


@pytest.fixture(scope="module")
def demo_store():
    ws = load_workspace()
    return build_store(ws, ws.council["current_period"])


def test_the_schema_page_lists_exactly_the_stores_tables():
    assert list(_documented()) == list(TABLES)


@pytest.mark.parametrize("name", list(TABLES))
def test_the_schema_page_lists_every_column_of_a_table_in_order(demo_store, name):
    assert _documented()[name] == list(demo_store.table(name).columns)
