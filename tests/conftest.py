"""Shared fixtures: the Ashbrook demo workspace, made once per session, loaded once per session,
and fresh copies of it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pmresearch.demo import DEMO_WORKSPACE, generate_demo
from pmresearch.workspace import Workspace, load_workspace


def pytest_configure(config: pytest.Config) -> None:
    # Keep the workspace cache of this test run (and of the kernels it starts) out of ~/.cache.
    os.environ.setdefault("PMRESEARCH_CACHE_DIR", tempfile.mkdtemp(prefix="pmresearch-cache-"))


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace: the committed copy if there is one, else freshly generated.

    Read-only: tests that change files use ``demo_copy``.
    """
    if (DEMO_WORKSPACE / "council.yaml").is_file():
        return DEMO_WORKSPACE
    return generate_demo(tmp_path_factory.mktemp("demo") / "ashbrook")


@pytest.fixture
def demo_copy(demo_workspace: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo workspace folder that a test may change freely."""
    return Path(shutil.copytree(demo_workspace, tmp_path / "ashbrook"))


@pytest.fixture(scope="session")
def demo_ws(demo_workspace: Path) -> Workspace:
    """The demo workspace loaded once for the session, with what is derived from it (weights,
    coded comments, evidence) kept for every test that reads it.

    Read-only: a test must not change its tables or what it derives; tests that change inputs
    load ``demo_copy`` instead.
    """
    return load_workspace(demo_workspace)
