"""Any valid council, not only Ashbrook: the commands run on random workspaces from tests/councils.py.

Every council :func:`tests.councils.council_shapes` draws is valid by ``docs/workspace.md``, so
``validate`` must accept it and ``weight``, ``code``, ``evidence`` and ``packs`` must finish
without a traceback, and no pack may show a ``nan``, ``None`` or ``NaN`` to its reader.

How many councils: ``PMRESEARCH_COUNCILS`` (default 5) for the full run in the default test
run; the ``slow``-marked variant runs ``PMRESEARCH_COUNCILS_SLOW`` (default 100)::

    pytest tests/test_any_council.py                 # CI: 30 validated, 5 run end to end
    pytest tests/test_any_council.py -m slow         # 100 end to end (about a minute each)

A failure prints the council's shape and seed; replay it by hand with
``write_council(folder, shape, seed)`` (see tests/councils.py), then the printed commands.
Shrinking is off: each example runs Jupyter kernels, and the printed shape is replayable as is.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pmresearch.cli import main
from tests.councils import CouncilShape, council_shapes, write_council

_EXAMPLES = int(os.environ.get("PMRESEARCH_COUNCILS", "5"))
_EXAMPLES_SLOW = int(os.environ.get("PMRESEARCH_COUNCILS_SLOW", "100"))
_VALIDATED = int(os.environ.get("PMRESEARCH_COUNCILS_VALIDATED", "30"))

_SETTINGS = dict(deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                        HealthCheck.function_scoped_fixture])
# What a reader must never see in a pack: values that leaked from pandas or Python. Provenance
# hashes are hexadecimal (0-9, a-f) so cannot hold any of these words; "None of the above" is
# the label of the code frame's special code Z1.
_LEAKS = re.compile(r"\b(nan|NaN|None(?! of the above)|Traceback)\b")
seeds = st.integers(0, 2**31 - 1)


def run_cli(argv: list[str]) -> tuple[int | str, str, str]:
    """``pmresearch ARGV`` in this process: (exit status or 'raised', stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status: int | str = main(argv)
        except SystemExit as exit_:  # argparse errors
            status = exit_.code if isinstance(exit_.code, int) else 2
        except Exception:  # a crash: report it as the console script would show it
            traceback.print_exc()
            status = "raised"
    return status, out.getvalue(), err.getvalue()


def run_cli_subprocess(argv: list[str]) -> tuple[int, str, str]:
    """``pmresearch ARGV`` in a child process: (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "pmresearch.cli", *argv], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", check=False)
    return done.returncode, done.stdout, done.stderr


def visible_text(page: str) -> str:
    """A pack page's text as a reader sees it: no scripts, styles or tags, entities decoded."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def _replay(shape: CouncilShape, seed: int) -> str:
    return (f"\nReplay: write_council('council', {shape!r}, {seed})\n"
            "then run the command above with --workspace council.")


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def check_council(shape: CouncilShape, seed: int, root: Path) -> list[str]:
    """Write the council under ``root`` and run every command on it; the problems found."""
    os.chdir(root)  # the workspace is named by a relative path, as an analyst would
    write_council(root / "council", shape, seed)
    problems = []
    status, out, err = run_cli(["validate", "--workspace", "council"])
    if status != 0:
        return [f"pmresearch validate --workspace council: exit {status}\n{_tail(out + err)}"]
    services = [shape.services[0].service_id, shape.services[-1].service_id]
    commands = [["weight", "--workspace", "council", "--out", "out/weights"],
                ["code", "--workspace", "council", "--out", "out/coding"],
                ["evidence", "--workspace", "council", "--out", "out/evidence"],
                ["packs", "--workspace", "council", "--outputs", "out/packs", "--no-progress",
                 "--jobs", "2", "--service", *services]]
    for argv in commands:
        # packs runs as a child process: forking its worker pool from this process, with its
        # output redirected, failed every pack with "worker failed: ProcessLookupError". The
        # other commands run here (validate: about 1.5 s here against 5 s as a child process).
        status, out, err = (run_cli_subprocess if argv[0] == "packs" else run_cli)(argv)
        if status != 0 or "Traceback" in err:
            problems.append(f"pmresearch {' '.join(argv)}: exit {status}\n{_tail(out + err)}")
    made = {p.parent.name for p in (root / "out" / "packs").rglob("evidence_pack.html")}
    if problems == [] and not set(services) <= made:
        problems.append(f"packs exited 0 but made no evidence_pack.html for "
                        f"{sorted(set(services) - made)}")
    for page in sorted((root / "out" / "packs").rglob("*.html")):
        leaks = sorted({m.group(0) for m in _LEAKS.finditer(visible_text(page.read_text(encoding="utf-8")))})
        if leaks:
            text = visible_text(page.read_text(encoding="utf-8"))
            where = [" ".join(text[max(0, m.start() - 60): m.end() + 30].split())
                     for m in _LEAKS.finditer(text)][:5]
            problems.append(f"{page.relative_to(root)} shows {', '.join(leaks)}: " + " | ".join(where))
    return problems


def _assert_runs(shape: CouncilShape, seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    here = Path.cwd()
    try:
        problems = check_council(shape, seed, tmp_path_factory.mktemp("council"))
    finally:
        os.chdir(here)
    assert not problems, "\n\n".join(problems) + _replay(shape, seed)


@settings(max_examples=_EXAMPLES, **_SETTINGS)
@given(shape=council_shapes(), seed=seeds)
def test_every_command_runs_on_any_valid_council(shape, seed, tmp_path_factory):
    _assert_runs(shape, seed, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=_EXAMPLES_SLOW, **_SETTINGS)
@given(shape=council_shapes(), seed=seeds)
def test_every_command_runs_on_many_valid_councils(shape, seed, tmp_path_factory):
    _assert_runs(shape, seed, tmp_path_factory)


@settings(max_examples=_VALIDATED, **_SETTINGS)
@given(shape=council_shapes(), seed=seeds)
def test_validate_accepts_any_valid_council(shape, seed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("council")
    write_council(folder / "council", shape, seed)
    status, out, err = run_cli(["validate", "--workspace", str(folder / "council")])
    assert status == 0, f"exit {status}\n{out}{err}" + _replay(shape, seed)


def test_a_written_council_is_the_same_for_the_same_seed(tmp_path):
    # Replaying a failure by hand relies on the builder being deterministic. (XLSX files carry
    # the time they were saved, so tables are compared as read, not byte for byte.)
    from pmresearch.workspace import read_table
    from tests.councils import shape_from_seed

    first = write_council(tmp_path / "a", shape_from_seed(7), 7)
    second = write_council(tmp_path / "b", shape_from_seed(7), 7)
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in sorted(first.iterdir()):
        if path.suffix == ".yaml":
            assert path.read_bytes() == (second / path.name).read_bytes()
        else:
            assert read_table(path).equals(read_table(second / path.name)), path.name


def test_visible_text_drops_tags_scripts_and_styles():
    page = "<style>p{x:NaN}</style><p title='None'>a &amp; b</p><script>var nan;</script>"
    assert visible_text(page).split() == ["a", "&", "b"]
