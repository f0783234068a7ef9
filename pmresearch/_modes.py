"""File modes for what pmresearch writes: those of any folder and file made here under the
process's umask (0755 and 0644 under the usual 022), so colleagues can open outputs on a
shared drive. ``tempfile.mkdtemp`` makes its folders 0700; staged folders are given these
modes before they are moved into place."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["share", "umask"]


def share(folder: Path) -> None:
    """Give ``folder`` and the files directly in it the modes of any folder and file made
    here (``0o777`` and ``0o666`` less the umask)."""
    mask = umask()
    os.chmod(folder, 0o777 & ~mask)
    for path in Path(folder).iterdir():
        if path.is_file():
            os.chmod(path, 0o666 & ~mask)


def umask() -> int:
    """This process's umask, read without changing it where Linux shows it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it, then set it back
    os.umask(mask)
    return mask
