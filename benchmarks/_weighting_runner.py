"""Rake one benchmark survey with one tool and report its time, peak memory and weights.

Helper of ``benchmarks/weighting.py``. It runs inside each peer's own virtual environment
(made by ``benchmarks/setup_peers.sh``), so it imports only the standard library, NumPy and
pandas at module level; the peer itself is imported inside its raking function. The parent
process imports :func:`load_survey` and :func:`measure` from here as well, so pmresearch is
loaded and measured by exactly the same code as its peers.

Usage (by the parent, not by hand)::

    PEER_VENV/bin/python benchmarks/_weighting_runner.py PEER DATA_DIR OUT_DIR REPEAT

``DATA_DIR`` holds one ``<variable>.npy`` array of strings per weighting variable, ``meta.json``
(variable order, tolerance, iteration cap) and ``margins.csv`` (variable, category,
population). The runner writes ``OUT_DIR/weights.npy`` (float64, respondent order) and
``OUT_DIR/result.json`` (``seconds``: one per timed run; ``peak_mb``; the peer's ``version``).
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["PEERS", "load_survey", "measure"]

# pandas' default string dtype when pyarrow is absent (as in the project's environment). Named
# explicitly so that every tool, in every venv, starts from the very same in-memory columns.
_STRING_DTYPE = pd.StringDtype(storage="python", na_value=np.nan)

RakeFunction = Callable[[pd.DataFrame, pd.DataFrame, list[str], float, int], np.ndarray]


def load_survey(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read a benchmark survey written by ``benchmarks/weighting.py``.

    Parameters
    ----------
    data_dir : pathlib.Path
        Folder with ``meta.json``, ``margins.csv`` and one ``<variable>.npy`` per variable.

    Returns
    -------
    survey : pandas.DataFrame
        One row per respondent, one string column per weighting variable.
    margins : pandas.DataFrame
        Long table with columns ``variable``, ``category`` (strings) and ``population``
        (integer counts).
    meta : dict
        ``variables`` (list, in order), ``tol`` (float) and ``max_iter`` (int).
    """
    meta = json.loads((data_dir / "meta.json").read_text(encoding="utf-8"))
    survey = pd.DataFrame({
        variable: pd.array(np.load(data_dir / f"{variable}.npy"), dtype=_STRING_DTYPE)
        for variable in meta["variables"]})
    margins = pd.read_csv(data_dir / "margins.csv", dtype={
        "variable": _STRING_DTYPE, "category": _STRING_DTYPE, "population": "int64"})
    return survey, margins, meta


def measure(rake: RakeFunction, survey: pd.DataFrame, margins: pd.DataFrame, meta: dict,
            repeat: int) -> dict:
    """Time a raking function and measure its peak memory.

    A first, untimed call imports the tool and warms its caches. The second runs under
    :mod:`tracemalloc`, which gives the peak of memory allocated during the call (Python
    objects and NumPy buffers; tracing slows a call, so this one is not timed). Then
    ``repeat`` calls run untraced and are timed with :func:`time.perf_counter`.

    Parameters
    ----------
    rake : callable
        ``rake(survey, margins, variables, tol, max_iter) -> weights`` (NumPy array in
        respondent order).
    survey, margins, meta
        As returned by :func:`load_survey`.
    repeat : int
        Number of timed calls.

    Returns
    -------
    dict
        ``seconds`` (list of floats), ``peak_mb`` (float) and ``weights`` (the last call's
        weights, float64).
    """
    arguments = (survey, margins, meta["variables"], meta["tol"], meta["max_iter"])
    rake(*arguments)
    tracemalloc.start()
    rake(*arguments)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        weights = rake(*arguments)
        seconds.append(time.perf_counter() - started)
    return {"seconds": seconds, "peak_mb": peak / 2**20,
            "weights": np.asarray(weights, dtype=np.float64)}


def _margin_dicts(margins: pd.DataFrame, variables: list[str]) -> dict[str, dict[str, float]]:
    return {variable: dict(zip(part["category"], part["population"].astype(float)))
            for variable, part in margins.groupby("variable", sort=False)
            if variable in variables}


def _rake_weightipy(survey, margins, variables, tol, max_iter):
    # weightipy's documented route for a long table of population counts. Its Rake loop stops
    # when an iteration changes the weights by less than 1% less than the one before (the
    # scheme's convcrit is not passed on), which in practice runs on to rounding level; the
    # parent checks the margins reached.
    import weightipy

    scheme = weightipy.scheme_from_long_df(
        margins, col_variable="variable", col_category="category", col_value="population",
        name="benchmark", rim_params={"max_iterations": max_iter})
    return weightipy.weight(survey[variables], scheme).to_numpy()


def _rake_balance(survey, margins, variables, tol, max_iter):
    # balance's rake() takes the population as a weighted target frame. Its target_margins
    # shortcut realises the counts as at most target_margins_max_length rows, which rounds
    # the margins, so the exact margins are passed as the 6 x 2 x 20 x 5 cross product of
    # categories weighted by the product of the margin shares: every one-way margin exact.
    # transformations=None keeps the categories as given (the default lumps rare ones).
    import itertools

    from balance.weighting_methods.rake import rake

    targets = _margin_dicts(margins, variables)
    total = sum(targets[variables[0]].values())
    cells = list(itertools.product(*(list(targets[v]) for v in variables)))
    target_df = pd.DataFrame(cells, columns=variables)
    shares = np.ones(len(cells))
    for position, variable in enumerate(variables):
        share = {c: count / total for c, count in targets[variable].items()}
        shares *= np.array([share[cell[position]] for cell in cells])
    result = rake(survey[variables], pd.Series(np.ones(len(survey)), index=survey.index),
                  target_df, pd.Series(shares * total), variables=variables,
                  transformations=None, na_action="drop", max_iteration=max_iter,
                  convergence_rate=tol, rate_tolerance=0.0)
    return result["weight"].reindex(survey.index).to_numpy()


def _rake_ipfn(survey, margins, variables, tol, max_iter):
    # ipfn fits a contingency table, not respondents: code the strings against the margins'
    # categories, count respondents per cell, fit the table, and give each respondent its
    # cell's fitted count over its observed count. This glue is ours, written as an ipfn user
    # would (pandas' documented coding against known categories, then bincount); the fitting
    # is ipfn's NumPy method.
    from ipfn.ipfn import ipfn

    targets = _margin_dicts(margins, variables)
    shape = tuple(len(targets[v]) for v in variables)
    codes = [pd.Categorical(survey[v], categories=list(targets[v])).codes for v in variables]
    cells = np.ravel_multi_index(codes, shape)
    seed = np.bincount(cells, minlength=int(np.prod(shape))).astype(np.float64).reshape(shape)
    aggregates = [np.array(list(targets[v].values())) for v in variables]
    # ipfn writes its fit into the array it is given, so it gets a copy of the seed
    fitted = ipfn(seed.copy(), aggregates, [[axis] for axis in range(len(shape))],
                  convergence_rate=tol, rate_tolerance=0.0, max_iteration=max_iter).iteration()
    with np.errstate(divide="ignore", invalid="ignore"):
        factors = np.where(seed > 0, fitted / seed, 0.0).ravel()
    return factors[cells]


PEERS: dict[str, RakeFunction] = {
    "weightipy": _rake_weightipy,
    "balance": _rake_balance,
    "ipfn": _rake_ipfn,
}


def main(argv: list[str]) -> int:
    """Rake the survey in ``DATA_DIR`` with ``PEER`` and write weights and measurements."""
    peer, data_dir, out_dir, repeat = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    survey, margins, meta = load_survey(data_dir)
    result = measure(PEERS[peer], survey, margins, meta, repeat)
    result["version"] = importlib.metadata.version(peer)
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "weights.npy", result.pop("weights"))
    (out_dir / "result.json").write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
