"""The bad-input corpus: every row of ``tests/bad_inputs.csv`` is a case this module runs.

A case starts from a fresh copy of a workspace (``demo``, the Ashbrook demo, or
``generated:<seed>``, a council ``tests/councils.py`` writes from that seed), makes the edits of
its ``steps`` (the vocabulary is ``tests/bad_input_steps.py``), runs one ``pmresearch`` command
in this process and asserts three things:

- the exit status is ``exit``;
- the whole of ``stream`` (stdout or stderr) is ``message``, and the other stream is empty;
- nothing was damaged: ``{out}`` holds the files of an earlier good run (``pmresearch weight``
  of the same workspace) and a failed command leaves every one of them byte for byte, with no
  file or folder added (no staging folder, lock or half-written file); no command changes the
  workspace it reads (except ``init`` when it succeeds).

Columns of the CSV: ``case`` (the test id), ``workspace``, ``steps``, ``command`` (the
arguments after ``pmresearch``), ``exit``, ``stream``, ``message`` and ``why`` (one line on
what the case guards). Adding a case is adding a row. ``message`` and the arguments of
``steps`` and ``command`` may hold these placeholders, filled from the workspace *before* its
edits so that one row reads the same on every council:

=================  ==========================================================================
``{ws}``           the workspace folder (absolute)
``{out}``          the outputs folder holding the good run (its ``weights/`` folder)
``{params}``       the default parameters folder
``{ward}``         the first ward code of ``wards``; ``{ward_name}`` its name
``{service}``      the first service id of ``services``
``{pi}``           the first PI id of ``indicators``
``{wave}``         the first wave of ``survey_waves``
``{item}``         the first survey item a service names in ``services``
``{comment}``      the first comment id of ``comments``
``{period}``       ``current_period`` of ``council.yaml``; ``{council}`` its ``name``
``{first_period}`` the first and last period of ``pi_values`` (``{last_period}``)
``{file:T}``       the file name of table ``T`` (``wards.csv`` or ``wards.xlsx``)
``{end:T}``        the spreadsheet row just after table ``T``'s last row (where a row added
                   at the end lands)
``{any}``          (in ``message`` only) any text, for what genuinely varies, such as usage lines
=================  ==========================================================================

In ``message``, ``\\n`` is a line break and ``\\\\`` a backslash; the comparison ignores
trailing spaces at line ends and the output's final line break.

Cases that show a bug not fixed yet are kept in ``tests/bad_inputs_open.csv`` (same columns),
which the tests do not run: ``python tests/test_bad_inputs.py tests/bad_inputs_open.csv`` prints
what each does today. When one is fixed, move its row here.

Kills and concurrent runs need real processes and are tested in ``tests/test_pack_processes.py``.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shlex
import shutil
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest

from pmresearch.cli import main
from pmresearch.workspace import default_parameters_dir

from bad_input_steps import STEPS, Table, apply_steps, parse_steps
from councils import TABLE_STEMS

CORPUS = Path(__file__).with_name("bad_inputs.csv")
OPEN_CASES = Path(__file__).with_name("bad_inputs_open.csv")
COLUMNS = ["case", "workspace", "steps", "command", "exit", "stream", "message", "why"]
PLACEHOLDERS = {"any", "ws", "out", "params", "ward", "ward_name", "service", "pi", "wave", "item",
                "comment", "period", "first_period", "last_period", "council"}  # and file:T, end:T for each table T
PLACEHOLDER = re.compile(r"\{([a-z_]+(?::[a-z_]+)?)\}")


def read_cases(path: Path = CORPUS) -> list[dict[str, str]]:
    """The rows of a corpus file."""
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


CASES = read_cases()


# ---------------------------------------------------------------- base workspaces


def make_base(kind: str, folder: Path) -> Path:
    """The workspace a ``workspace`` cell names, written under ``folder`` (the demo is read
    in place)."""
    if kind == "demo":
        from pmresearch.demo import DEMO_WORKSPACE, generate_demo

        if (DEMO_WORKSPACE / "council.yaml").is_file():
            return DEMO_WORKSPACE
        return generate_demo(folder / "demo")
    from councils import shape_from_seed, write_council

    seed = int(kind.removeprefix("generated:"))

    return write_council(folder / f"council-{seed}", shape_from_seed(seed), seed)


def facts_of(workspace: Path) -> dict[str, str]:
    """The placeholders' values for ``workspace`` (see the module docstring)."""
    import yaml

    tables = {stem: Table.read(workspace, stem) for stem in TABLE_STEMS
              if any((workspace / f"{stem}.{ext}").is_file() for ext in ("csv", "xlsx"))}
    wards, services = tables["wards"], tables["services"]
    council = yaml.safe_load((workspace / "council.yaml").read_text(encoding="utf-8"))
    facts = {
        "ward": wards.cells("ward_code")[0],
        "ward_name": wards.cells("ward_name")[0],
        "service": services.cells("service_id")[0],
        "pi": tables["indicators"].cells("pi_id")[0],
        "wave": tables["survey_waves"].cells("wave")[0],
        "item": next(item.strip() for items in services.cells("survey_items")
                     for item in items.split(";") if item.strip()),
        "comment": tables["comments"].cells("comment_id")[0],
        "period": str(council["current_period"]),
        "first_period": min(tables["pi_values"].cells("period")),
        "last_period": max(tables["pi_values"].cells("period")),  # labels sort as quarters
        "council": str(council["name"]),
        "params": str(default_parameters_dir().resolve()),
    }
    for stem, table in tables.items():
        facts[f"file:{stem}"] = table.path.name
        facts[f"end:{stem}"] = str(len(table.rows) + 1)
    return facts


@dataclass
class Base:
    """A base workspace, its facts and the outputs of a good run on it."""

    workspace: Path
    facts: dict[str, str]
    outputs: Path


class Bases:
    """Base workspaces made on first use and kept for the session."""

    def __init__(self, folder: Path):
        self.folder, self.made = folder, {}

    def __getitem__(self, kind: str) -> Base:
        if kind not in self.made:
            workspace = make_base(kind, self.folder).resolve()
            outputs = self.folder / f"outputs-{kind.replace(':', '-')}"
            status, out, err = run_command(["weight", "--workspace", str(workspace),
                                            "--out", str(outputs / "weights")])
            assert status == 0, f"the good run on {kind} failed:\n{out}\n{err}"
            self.made[kind] = Base(workspace, facts_of(workspace), outputs)
        return self.made[kind]


# ---------------------------------------------------------------- running a case


def run_command(argv: list[str]) -> tuple[object, str, str]:
    """``pmresearch ARGV`` in this process: (exit status, stdout, stderr). An exception that
    escapes the command gives the status ``'traceback'`` and its traceback on stderr."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            status = exit_.code
        except Exception:  # noqa: BLE001 - a traceback is what the corpus exists to catch
            status = "traceback"
            err.write(traceback.format_exc())
    return status, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file (by SHA-256) and folder under ``folder``, keyed by relative path."""
    return {path.relative_to(folder).as_posix():
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
            for path in sorted(folder.rglob("*"))}


def filler(facts: dict[str, str], regex: bool = False):
    """A function replacing the placeholders of a cell with ``facts`` (as a regex if ``regex``)."""
    def fill(cell: str) -> str:
        parts, at = [], 0
        for found in PLACEHOLDER.finditer(cell):
            literal = cell[at:found.start()]
            parts.append(re.escape(literal) if regex else literal)
            name = found.group(1)
            if name == "any" and regex:
                parts.append(".*?")
            else:
                parts.append(re.escape(facts[name]) if regex else facts[name])
            at = found.end()
        tail = cell[at:]
        parts.append(re.escape(tail) if regex else tail)
        return "".join(parts)
    return fill


def unescaped(cell: str) -> str:
    """A ``message`` cell with ``\\n`` read as a line break and ``\\\\`` as one backslash."""
    return re.sub(r"\\([n\\])", lambda m: "\n" if m.group(1) == "n" else "\\", cell)


def normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


@dataclass
class Outcome:
    """What a case did: its status, both streams, and what changed in ``{out}`` and in the
    workspace."""

    status: object
    stdout: str
    stderr: str
    outputs_changed: list[str]
    workspace_changed: list[str]
    facts: dict[str, str]


def run_case(case: dict[str, str], bases: Bases, folder: Path) -> Outcome:
    """Copy the base workspace and its good outputs into ``folder``, edit, run and compare."""
    base = bases[case["workspace"]]
    workspace = Path(shutil.copytree(base.workspace, folder / "ws"))
    outputs = Path(shutil.copytree(base.outputs, folder / "out"))
    facts = {**base.facts, "ws": str(workspace), "out": str(outputs)}
    fill = filler(facts)
    apply_steps(workspace, parse_steps(case["steps"]), fill)
    outputs_before, workspace_before = snapshot(outputs), snapshot(workspace)
    status, out, err = run_command([fill(a) for a in shlex.split(case["command"])])
    outputs_after, workspace_after = snapshot(outputs), snapshot(workspace)

    def changed(before, after):
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return Outcome(status, out, err, changed(outputs_before, outputs_after),
                   changed(workspace_before, workspace_after), facts)


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> Bases:
    return Bases(tmp_path_factory.mktemp("bad-input-bases"))


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_bad_input(case, bases, tmp_path):
    """The case's exit status and whole message; nothing written where nothing should be."""
    outcome = run_case(case, bases, tmp_path)
    shown = f"exit {outcome.status}\n--- stdout\n{outcome.stdout}--- stderr\n{outcome.stderr}"
    assert str(outcome.status) == case["exit"], shown
    expected = filler(outcome.facts, regex=True)(unescaped(case["message"]))
    said = outcome.stdout if case["stream"] == "stdout" else outcome.stderr
    other = outcome.stderr if case["stream"] == "stdout" else outcome.stdout
    assert re.fullmatch(expected, normalised(said), flags=re.DOTALL), shown
    assert other == "", shown
    if case["exit"] != "0":
        assert outcome.outputs_changed == [], "the failed command changed the earlier outputs"
    if case["exit"] != "0" or not case["command"].startswith("init"):  # init writes, when it may
        assert outcome.workspace_changed == [], "the command changed its workspace"


def test_the_corpus_is_well_formed():
    """At least 60 cases with unique ids, known steps and placeholders, on more than the demo."""
    assert len(CASES) >= 60
    open_cases = read_cases(OPEN_CASES)
    ids = [case["case"] for case in CASES + open_cases]
    assert len(set(ids)) == len(ids), "case ids must be unique, open cases included"
    for case in CASES + open_cases:
        assert list(case) == COLUMNS, case
        assert re.fullmatch(r"[a-z0-9_]+", case["case"]), case["case"]
        assert case["workspace"] == "demo" or re.fullmatch(r"generated:\d+", case["workspace"])
        assert case["stream"] in ("stdout", "stderr") and case["exit"].isdigit(), case["case"]
        assert case["why"], f"{case['case']}: say why the case is there"
        for name, *_ in parse_steps(case["steps"]):
            assert name in STEPS, f"{case['case']}: unknown step {name!r}"
        for cell in (case["steps"], case["command"], case["message"]):
            for found in PLACEHOLDER.finditer(cell):
                name = found.group(1)
                known = name in PLACEHOLDERS or name.split(":")[0] in ("file", "end")
                assert known, f"{case['case']}: unknown placeholder {found.group(0)}"
    kinds = {case["workspace"] for case in CASES}
    assert "demo" in kinds and len(kinds) > 1, "the corpus runs on more than the demo"


if __name__ == "__main__":  # python tests/test_bad_inputs.py [CORPUS]: what each case does now
    import tempfile

    cases = read_cases(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    with tempfile.TemporaryDirectory() as scratch:
        shared = Bases(Path(scratch) / "bases")
        for number, case in enumerate(cases):
            folder = Path(scratch) / f"case-{number}"
            folder.mkdir()
            try:
                result = run_case(case, shared, folder)
            except Exception:  # noqa: BLE001 - a broken row should not hide the others
                print(f"=== {case['case']}: the case itself failed\n{traceback.format_exc()}")
                continue
            print(f"=== {case['case']}: exit {result.status} (expected {case['exit']})")
            print(f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}", end="")
            print(f"--- outputs changed: {result.outputs_changed}; "
                  f"workspace changed: {result.workspace_changed}\n")
