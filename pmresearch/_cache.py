"""A cache of validated workspaces, keyed by the content of every input file.

Each evidence pack's kernel loads the same workspace; validating it once and reading the
result back (a few milliseconds) spares every pack the validation. Entries are keyed by the
SHA-256 of every file's name (relative to its folder) and bytes plus the package and pandas
versions, so an edited file is never served stale, a copied or moved workspace is served the
same entry, and the folder can be deleted at any time. Nothing stored holds the workspace's
location: :mod:`pmresearch.workspace` detaches a workspace from its folder before storing it
and attaches the one being loaded when reading it back.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from pathlib import Path

import pandas as pd

from ._version import __version__

__all__ = ["cache_dir", "content_key", "files_key", "read", "write"]


def cache_dir() -> Path:
    """``$PMRESEARCH_CACHE_DIR`` if set, else ``~/.cache/pmresearch``."""
    return Path(os.environ.get("PMRESEARCH_CACHE_DIR") or Path.home() / ".cache" / "pmresearch")


def content_key(*folders: Path, salt: str = "") -> str:
    """SHA-256 over ``salt``, the versions, and the name (relative to its folder) and content of
    every file below ``folders``: the same files in another place give the same key."""
    digest = hashlib.sha256(f"{salt}|{__version__}|{pd.__version__}".encode())
    for index, root in enumerate(folders):
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{index}|{file.relative_to(root).as_posix()}|".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def files_key(files: dict, salt: str) -> str:
    """SHA-256 over ``salt``, the versions, and each file's name and content.

    ``files`` maps a name that does not depend on where the file is (``'wards.csv'``,
    ``'parameters/rules.yaml'``) to its path, as :attr:`pmresearch.workspace.Workspace.files` does.
    """
    digest = hashlib.sha256(f"{salt}|{__version__}|{pd.__version__}".encode())
    for name in sorted(files):
        digest.update(f"{name}|".encode())
        digest.update(hashlib.sha256(Path(files[name]).read_bytes()).digest())
    return digest.hexdigest()


def read(key: str | None) -> object | None:
    """The object stored under ``key``, or None if there is none that can be read."""
    if key is None:
        return None
    try:
        with open(cache_dir() / f"{key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # absent, truncated or from another version: the caller recomputes
        return None


def write(key: str | None, value: object) -> None:
    """Store ``value`` under ``key`` atomically; a folder that cannot be written is skipped."""
    if key is None:
        return
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".{key}.{uuid.uuid4().hex[:8]}"
        staging.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(staging, folder / f"{key}.pickle")
    except OSError:
        pass  # a read-only home only costs the next load a validation
