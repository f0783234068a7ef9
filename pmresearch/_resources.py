"""Where the project's own files are: the default parameters, the notebooks and the demo
workspace.

They live at the project's top level (``parameters/``, ``notebooks/``), where analysts edit
them, and a non-editable install carries a copy in ``pmresearch/_bundled/``. An analyst's copy
in the current working directory wins, so editing ``parameters/rules.yaml`` in a cloned
project takes effect whichever way the package was installed.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_WORKSPACE", "bundled_path", "default_parameters_dir"]

_PACKAGE = Path(__file__).resolve().parent
_MARKERS = {"parameters": "rules.yaml", "notebooks": "evidence_pack.ipynb"}


def bundled_path(name: str, *, current_folder: bool = True) -> Path:
    """The folder ``name`` (``'parameters'`` or ``'notebooks'``) to use.

    Looks in order at ``./<name>`` in the current directory (unless ``current_folder`` is
    false), the copy bundled in the installed package, and the source checkout next to the
    package; the first holding the folder's marker file (``rules.yaml``,
    ``evidence_pack.ipynb``) wins.
    """
    marker = _MARKERS[name]
    here = [Path.cwd() / name] if current_folder else []
    for candidate in (*here, _PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if (candidate / marker).is_file():
            return candidate
    raise FileNotFoundError(
        f"cannot find the {name}/ folder (looked for {marker} in ./{name}, the installed package "
        f"and {_PACKAGE.parent / name}). Reinstall pmresearch or run from the project folder.")


#: The committed demo workspace inside the installed package (re-exported by
#: :mod:`pmresearch.demo`, which generates it, and :mod:`pmresearch.workspace`, its default).
DEMO_WORKSPACE = _PACKAGE / "demo" / "ashbrook"


def default_parameters_dir() -> Path:
    """The parameters folder used when none is given.

    In order: ``./parameters`` in the current directory if it holds ``rules.yaml`` (an
    analyst's edited copy in a cloned project); the copy bundled in an installed package
    (``pmresearch/_bundled/parameters``); the project's top-level ``parameters/`` next to the
    package (a source checkout).

    Raises
    ------
    FileNotFoundError
        None of these holds ``rules.yaml``.

    Examples
    --------
    >>> (default_parameters_dir() / "rules.yaml").is_file()
    True
    """
    return bundled_path("parameters")
