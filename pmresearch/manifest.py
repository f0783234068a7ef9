"""``manifest.json``: what each pack of a period was made from, and how it went.

Several writers share one manifest: the worker that has just swapped a pack into place, the
run that collects the results, and other runs into the same outputs at the same time. Each
writes holding the period's lock (:class:`pmresearch._outputs_lock.PeriodLock`): it reads the
manifest afresh, merges its own packs' entries into it and replaces the file in one step
(:func:`replace_file`), so no writer loses another's packs and no reader sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ._version import __version__

__all__ = ["file_sha256", "package_versions", "read_manifest", "record_packs", "replace_file"]

_REPORTED_PACKAGES = ("pandas", "numpy", "scipy", "scikit-learn", "pingouin", "papermill",
                      "nbconvert", "matplotlib", "ipykernel")


def package_versions() -> dict[str, str]:
    """Python's and the reported packages' versions, for the manifest."""
    versions = {"python": sys.version.split()[0], "pmresearch": __version__}
    for name in _REPORTED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as the manifest records inputs and pack files.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.txt"
    ...     _ = path.write_bytes(b"abc")
    ...     file_sha256(path)[:16]  # FIPS 180-2's example: SHA-256("abc") = ba7816bf8f01cfea…
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(period_dir: Path) -> dict:
    """``manifest.json`` of a period folder; empty if there is none or it cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     before = read_manifest(Path(folder))
    ...     record_packs(Path(folder), {"period": "2025-26 Q2"},
    ...                  {"parks": {"status": "ok"}}, token="1-deadbeef")
    ...     after = read_manifest(Path(folder))
    >>> before, after["period"], after["packs"]
    ({}, '2025-26 Q2', {'parks': {'status': 'ok'}})
    """
    path = period_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}  # an unreadable manifest only costs a rerun of every pack


def record_packs(period_dir: Path, head: dict, entries: dict[str, dict], token: str) -> None:
    """Merge packs' entries into ``manifest.json``; hold the period's lock while calling.

    Parameters
    ----------
    head : dict
        What the run was made from: ``council``, ``period``, ``workspace``, ``versions``,
        ``inputs``.
    entries : dict
        Per service id, its pack's entry: ``status``, ``fingerprint``, ``files`` (SHA-256 of
        each file in the pack's folder) and so on. A failed pack's entry keeps the record of
        the good pack still on disk as ``previous_good``.
    token : str
        The run's token (:class:`pmresearch._outputs_lock.RunClaim`), for the temporary file.
    """
    manifest = read_manifest(period_dir)
    packs = dict(manifest.get("packs", {}))
    for service_id, entry in entries.items():
        old = packs.get(service_id, {})
        entry = dict(entry)
        if entry["status"] == "failed" and (old.get("status") == "ok" or "previous_good" in old):
            entry["previous_good"] = old if old.get("status") == "ok" else old["previous_good"]
        packs[service_id] = entry
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    content = {**manifest, **head, "updated_at": now, "packs": dict(sorted(packs.items()))}
    order = ["council", "period", "workspace", "updated_at", "versions", "inputs", "packs"]
    content = {key: content[key] for key in order if key in content}
    replace_file(period_dir / "manifest.json", json.dumps(content, indent=2) + "\n", token)


def replace_file(path: Path, text: str, token: str) -> None:
    """Replace ``path`` with ``text`` in one rename, so no reader sees half a file.

    The temporary name carries the run's token, so a later run can remove it if this run is
    killed before the rename (:func:`pmresearch._outputs_lock.remove_leftovers`).
    """
    staging = path.with_name(f".{path.name}.{token}-{uuid.uuid4().hex[:8]}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)
