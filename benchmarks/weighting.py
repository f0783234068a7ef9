"""Benchmark: pmresearch's raking against weightipy, balance, ipfn and R's survey.

Method
------
For each sample size N (2,000, 100,000 and 1,000,000 respondents) a synthetic survey is drawn
with a seeded NumPy generator: four weighting variables given as string columns with 6 × 2 ×
20 × 5 categories (age band, sex, ward code, ethnic group), drawn from a population whose
variables are associated (ward drives age and ethnic group, age drives sex) through a response
propensity that over-represents older, female and White residents and affluent wards. The
population margins are integer counts summing to 25 × N, so every tool has real raking to do
and its weights average about 25. Every tool rakes the survey to those margins with tolerance
1e-10 and at most 1,000 iterations.

pmresearch runs in this process; each peer runs ``benchmarks/_weighting_runner.py`` in its own
virtual environment (``benchmarks/setup_peers.sh`` makes them) and R's ``survey`` runs
``benchmarks/_weighting_runner.R`` (at N ≤ 100,000 only: it took 16 s at 10⁶). The survey is
handed over once per N as ``.npy`` string arrays (a CSV for R) in a temporary folder.

Fairness rules
--------------
* Every tool starts from the same in-memory table: pandas' Python-backed string columns (R: a
  ``data.frame`` of character columns) and the long margins table. Reading files, starting
  interpreters and importing the tool are not timed.
* The time is from those strings to a weight per respondent: coding the strings, raking and
  mapping back, all inside the timed call. Median of 3 timed calls, after one untimed warm-up
  call.
* Peak memory is measured on a separate call (the second) with :mod:`tracemalloc`: the most
  memory allocated during the call by Python objects and NumPy buffers. For R it is
  ``gc()``'s "max used" minus what was in use before (R's heap).
* Each peer gets its best call for raking to 1e-10 (details in ``_weighting_runner.py``):
  weightipy ``weight()`` with a scheme from the long margins table (it takes no tolerance: its
  own rule stops when a sweep no longer improves by 1%, which runs past 1e-10); balance
  ``rake()`` with ``transformations=None``, ``convergence_rate=1e-10``, ``rate_tolerance=0`` and
  an exact target frame (its ``target_margins`` shortcut rounds the margins); ipfn's NumPy
  method on the cell table, with our own string coding around it (``pd.Categorical`` against
  the margins' categories, then ``np.bincount``); R ``rake()`` with ``epsilon`` set to
  1e-10 × smallest margin / total, as its epsilon bounds cell changes relative to the total.
* Weights are compared after scaling each tool's weights to sum to the population total: the
  table shows the largest absolute and relative difference from pmresearch's, and the largest
  relative margin error each tool's weights leave (which shows whether it reached 1e-10).

Usage::

    bash benchmarks/setup_peers.sh          # once: the peers' virtual environments
    python benchmarks/weighting.py [--sizes 2000 100000] [--repeat 3] [--no-r]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pmresearch.demo._ashbrook import WARDS, WEIGHTING_CATEGORIES

# The helper beside this script (run as a script, its folder is first on sys.path); the peers
# run the same file, so every tool is loaded and measured by the same code.
from _weighting_runner import PEERS, load_survey, measure  # noqa: I001

SIZES = (2_000, 100_000, 1_000_000)
R_MAX_SIZE = 100_000
TOL = 1e-10
MAX_ITER = 1000
SEED = 20251123
RESIDENTS_PER_RESPONDENT = 25
TARGET_SHARE_OF_WEIGHTIPY = 0.5  # at N = 10⁶ pmresearch takes at most half of weightipy's time
SAME_WEIGHTS_TOL = 1e-9  # relative
PEER_TIMEOUT_S = 1800
# where benchmarks/setup_peers.sh makes the venvs (it reads the same variable)
PEERS_DIR = Path(os.environ.get("PMRESEARCH_BENCH_DIR", "/opt/pmresearch-bench"))
HERE = Path(__file__).resolve().parent

# Six age bands (the demo survey uses four), so that the variables have 6 × 2 × 20 × 5 categories.
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
CATEGORIES = {
    "age_band": AGE_BANDS,
    "sex": WEIGHTING_CATEGORIES["sex"],
    "ward_code": [code for code, *_ in WARDS],
    "ethnic_group": WEIGHTING_CATEGORIES["ethnic_group"],
}
VARIABLES = list(CATEGORIES)


@dataclass
class _Outcome:
    """What one tool did at one sample size."""

    tool: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    weights: np.ndarray | None = None
    version: str = ""
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def _population_joint() -> np.ndarray:
    """Population shares of the 6 × 2 × 20 × 5 cells (age, sex, ward, ethnic group)."""
    quintile = np.array([q for _, _, q, _ in WARDS], dtype=float)
    urban = np.array([kind == "urban" for *_, kind in WARDS])
    ward = np.random.default_rng(SEED).dirichlet(np.full(len(WARDS), 20.0))
    # Deprived wards (quintile 1) are younger; older bands are more often female.
    age_tilt = np.exp(0.12 * np.outer(quintile - 3, np.arange(6) - 2.5))
    age_given_ward = age_tilt * np.array([0.11, 0.17, 0.16, 0.17, 0.15, 0.24])
    age_given_ward /= age_given_ward.sum(axis=1, keepdims=True)
    female = 0.47 + 0.02 * np.arange(6)
    sex_given_age = np.column_stack([female, 1 - female])
    ethnic_given_ward = np.where(urban[:, None], [0.66, 0.15, 0.09, 0.06, 0.04],
                                 [0.86, 0.06, 0.03, 0.03, 0.02])
    return np.einsum("wa,as,w,we->aswe", age_given_ward, sex_given_age, ward, ethnic_given_ward)


def _response_propensity() -> np.ndarray:
    """Relative chance of responding for each cell, so the sample differs from the population."""
    quintile = np.array([q for _, _, q, _ in WARDS], dtype=float)
    age = np.linspace(0.35, 1.0, 6)
    sex = np.array([1.15, 1.0])
    ward = 0.8 + 0.1 * quintile
    ethnic = np.array([1.2, 0.8, 0.7, 0.9, 0.8])
    # Young ethnic-minority residents respond least: an interaction no set of margins removes.
    interaction = 1 + 0.3 * np.outer(np.arange(6) / 5, ethnic < 1)
    return np.einsum("a,s,w,e,ae->aswe", age, sex, ward, ethnic, interaction)


def _counts(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` (largest remainder, ties to the first category)."""
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(np.int64)
    remainders = exact - counts
    counts[np.argsort(-remainders, kind="stable")[: total - counts.sum()]] += 1
    return counts


def make_survey(n: int) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Draw the benchmark survey of ``n`` respondents and its population margins.

    Parameters
    ----------
    n : int
        Number of respondents.

    Returns
    -------
    columns : dict of str to numpy.ndarray
        One array of category labels (NumPy strings) per weighting variable.
    margins : pandas.DataFrame
        Columns ``variable``, ``category`` and ``population`` (integer counts; every variable
        sums to ``25 * n``).
    """
    population = _population_joint()
    sample = population * _response_propensity()
    cumulative = np.cumsum(sample.ravel())
    rng = np.random.default_rng([SEED, n])
    cells = np.searchsorted(cumulative, rng.random(n) * cumulative[-1], side="right")
    codes = np.unravel_index(np.minimum(cells, cumulative.size - 1), sample.shape)
    columns = {v: np.asarray(CATEGORIES[v])[c] for v, c in zip(VARIABLES, codes)}
    rows = []
    for axis, variable in enumerate(VARIABLES):
        other_axes = tuple(a for a in range(population.ndim) if a != axis)
        counts = _counts(population.sum(axis=other_axes), RESIDENTS_PER_RESPONDENT * n)
        rows += [(variable, category, int(count))
                 for category, count in zip(CATEGORIES[variable], counts)]
    return columns, pd.DataFrame(rows, columns=["variable", "category", "population"])


def _write_data(columns: dict[str, np.ndarray], margins: pd.DataFrame, folder: Path,
                with_csv: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for variable, values in columns.items():
        np.save(folder / f"{variable}.npy", values, allow_pickle=False)
    margins.to_csv(folder / "margins.csv", index=False)
    meta = {"variables": VARIABLES, "tol": TOL, "max_iter": MAX_ITER}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    if with_csv:  # R reads the respondents from a CSV
        pd.DataFrame(columns).to_csv(folder / "survey.csv", index=False)


def _rake_pmresearch(survey, margins, variables, tol, max_iter):
    from pmresearch.weighting import rake

    result = rake(survey, margins, variables=variables, tol=tol, max_iter=max_iter)
    return result.weights.to_numpy()


def _run_pmresearch(data_dir: Path, repeat: int) -> _Outcome:
    outcome = _Outcome("pmresearch")
    try:
        from pmresearch.weighting import rake  # noqa: F401  (is it there yet?)
    except ImportError as error:
        outcome.note = f"not available: {error}"
        return outcome
    survey, margins, meta = load_survey(data_dir)
    measured = measure(_rake_pmresearch, survey, margins, meta, repeat)
    outcome.seconds, outcome.peak_mb = measured["seconds"], measured["peak_mb"]
    outcome.weights = measured["weights"]
    outcome.version = importlib.metadata.version("pmresearch")
    return outcome


def _run_subprocess(outcome: _Outcome, command: list[str], out_dir: Path,
                    read_weights) -> _Outcome:
    try:
        finished = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PEER_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        outcome.note = f"timed out after {PEER_TIMEOUT_S} s"
        return outcome
    if finished.returncode != 0:
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        outcome.note = "failed: " + (lines[-1] if lines else f"exit {finished.returncode}")
        return outcome
    measured = json.loads((out_dir / "result.json").read_text(encoding="utf-8"))
    outcome.seconds, outcome.peak_mb = measured["seconds"], measured["peak_mb"]
    outcome.version = measured["version"]
    outcome.weights = read_weights(out_dir)
    return outcome


def _run_peer(peer: str, data_dir: Path, repeat: int, peers_dir: Path) -> _Outcome:
    outcome = _Outcome(peer)
    python = peers_dir / peer / "bin" / "python"
    if not python.exists():
        outcome.note = "not installed — run benchmarks/setup_peers.sh"
        return outcome
    out_dir = data_dir / f"out_{peer}"
    command = [str(python), str(HERE / "_weighting_runner.py"), peer, str(data_dir),
               str(out_dir), str(repeat)]
    return _run_subprocess(outcome, command, out_dir, lambda d: np.load(d / "weights.npy"))


def _run_r(data_dir: Path, repeat: int) -> _Outcome:
    outcome = _Outcome("R survey")
    out_dir = data_dir / "out_r"
    command = ["Rscript", str(HERE / "_weighting_runner.R"), str(data_dir), str(out_dir),
               str(repeat), repr(TOL), str(MAX_ITER)]
    return _run_subprocess(outcome, command, out_dir,
                           lambda d: np.fromfile(d / "weights.bin", dtype="<f8"))


def _r_available() -> str:
    """Empty if R's survey package can be used, else why not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (apt-get install -y r-base-core r-cran-survey)"
    check = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True,
                           check=False)
    if check.returncode != 0:
        return "R package survey missing (apt-get install -y r-cran-survey)"
    return ""


def _margin_error(weights: np.ndarray, codes: list[np.ndarray],
                  targets: list[np.ndarray]) -> float:
    """Largest relative gap between a weighted margin and its population count."""
    return max(float(np.max(np.abs(np.bincount(c, weights=weights, minlength=t.size) / t - 1)))
               for c, t in zip(codes, targets))


def _label(outcome: _Outcome) -> str:
    return f"{outcome.tool} {outcome.version}".strip()


def _table(n: int, outcomes: list[_Outcome], margins: pd.DataFrame,
           columns: dict[str, np.ndarray]) -> str:
    """One size's results; weights are compared after scaling to the population total."""
    total = float(margins.loc[margins["variable"] == VARIABLES[0], "population"].sum())
    codes, targets = [], []
    for variable in VARIABLES:
        part = margins[margins["variable"] == variable]
        codes.append(pd.Categorical(columns[variable], categories=list(part["category"])).codes)
        targets.append(part["population"].to_numpy(dtype=float))
    reference = outcomes[0]  # pmresearch
    lines = [f"N = {n:,}",
             f"  {'tool':<17} {'median s':>9} {'peak MB':>8} {'max |Δw|':>9} "
             f"{'max rel Δw':>10} {'margin err':>10} {'× pmres.':>8}  runs (s)"]
    for outcome in outcomes:
        if outcome.weights is None:
            lines.append(f"  {_label(outcome):<17} {outcome.note}")
            continue
        weights = outcome.weights * (total / outcome.weights.sum())
        if reference.weights is not None:
            mine = reference.weights * (total / reference.weights.sum())
            gap = np.abs(weights - mine).max()
            delta = f"{gap:9.1e} {_relative_difference(weights, mine):10.1e}"
            ratio = f"{outcome.median / reference.median:8.2f}"
        else:
            delta, ratio = f"{'n/a':>9} {'n/a':>10}", f"{'n/a':>8}"
        runs = " ".join(f"{s:.4f}" for s in outcome.seconds)
        lines.append(f"  {_label(outcome):<17} {outcome.median:9.4f} {outcome.peak_mb:8.1f} "
                     f"{delta} {_margin_error(weights, codes, targets):10.1e} {ratio}  {runs}")
    return "\n".join(lines)


def _relative_difference(weights: np.ndarray, reference: np.ndarray) -> float:
    """Largest relative gap between two weight vectors, each scaled to sum to one."""
    scaled, scaled_reference = weights / weights.sum(), reference / reference.sum()
    return float(np.max(np.abs(scaled - scaled_reference) / scaled_reference))


def _verdicts(results: dict[int, list[_Outcome]]) -> list[str]:
    """Per-size comparison lines, then one line per target of the issue."""
    lines = []
    fastest_everywhere, compared_everywhere = True, True
    largest_gap, gap_where = 0.0, ""
    for n, outcomes in results.items():
        mine, others = outcomes[0], [o for o in outcomes[1:] if o.seconds]
        best = min(others, key=lambda o: o.median, default=None)
        if mine.median is None or best is None:
            lines.append(f"N = {n:,}: nothing to compare ({mine.note or 'no peer ran'})")
            fastest_everywhere = compared_everywhere = False
            continue
        fastest_everywhere &= mine.median < best.median
        lines.append(f"N = {n:,}: pmresearch {mine.median:.4f} s, fastest peer {best.tool} "
                     f"{best.median:.4f} s (pmresearch / peer = {mine.median / best.median:.2f})")
        for other in others:
            gap = _relative_difference(other.weights, mine.weights)
            if gap >= largest_gap:
                largest_gap, gap_where = gap, f"{other.tool}, N = {n:,}"
    sizes = ", ".join(f"{n:,}" for n in results)
    lines.append(f"Target: pmresearch the fastest at every N ({sizes}): "
                 f"{'met' if fastest_everywhere else 'NOT met'}")
    if 1_000_000 in results:
        by_tool = {o.tool: o for o in results[1_000_000]}
        mine, weightipy = by_tool["pmresearch"], by_tool["weightipy"]
        if mine.median is None or weightipy.median is None:
            lines.append("Target: at N = 1,000,000 at most half of weightipy's time: not measured")
        else:
            share = mine.median / weightipy.median
            verdict = "met" if share <= TARGET_SHARE_OF_WEIGHTIPY else "NOT met"
            lines.append(f"Target: at N = 1,000,000 at most half of weightipy's time: "
                         f"{mine.median:.3f} s / {weightipy.median:.3f} s = {share:.2f}: {verdict}")
    if compared_everywhere:
        verdict = "met" if largest_gap <= SAME_WEIGHTS_TOL else "NOT met"
        lines.append(f"Target: the same weights as every peer to {SAME_WEIGHTS_TOL:g} (relative): "
                     f"largest gap {largest_gap:.1e} ({gap_where}): {verdict}")
    else:
        lines.append(f"Target: the same weights to {SAME_WEIGHTS_TOL:g}: not measured everywhere")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="numbers of respondents (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is shown")
    parser.add_argument("--peers-dir", type=Path, default=PEERS_DIR,
                        help="where setup_peers.sh made the venvs (default: %(default)s)")
    parser.add_argument("--no-r", action="store_true", help="skip R's survey package")
    args = parser.parse_args()
    r_missing = "skipped (--no-r)" if args.no_r else _r_available()
    results: dict[int, list[_Outcome]] = {}
    # Other work on the machine slows every tool alike but adds noise: say how busy it was.
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; "
          f"tolerance {TOL:g}, at most {MAX_ITER} iterations\n")
    with tempfile.TemporaryDirectory(prefix="pmresearch-bench-") as tmp:
        for n in args.sizes:
            columns, margins = make_survey(n)
            data_dir = Path(tmp) / f"n{n}"
            with_r = not r_missing and n <= R_MAX_SIZE
            _write_data(columns, margins, data_dir, with_csv=with_r)
            outcomes = [_run_pmresearch(data_dir, args.repeat)]
            outcomes += [_run_peer(peer, data_dir, args.repeat, args.peers_dir) for peer in PEERS]
            if with_r:
                outcomes.append(_run_r(data_dir, args.repeat))
            else:
                reason = r_missing or f"not run above N = {R_MAX_SIZE:,} (16 s at 10⁶)"
                outcomes.append(_Outcome("R survey", note=reason))
            results[n] = outcomes
            print(_table(n, outcomes, margins, columns), end="\n\n", flush=True)
            shutil.rmtree(data_dir)
    print("\n".join(_verdicts(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
