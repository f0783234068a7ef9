"""Benchmark: pmresearch's comment coding against VADER and TextBlob, on the same rows.

Method
------
*Evaluation set* — ``../shared/data/sentiment_dev.csv`` (5,119 newspaper-editorial sentences,
each labelled positive / negative / neutral from the mean of 20+ human ratings; see the README
beside it, and ``make_sentiment_dev.py`` there to rebuild it). No one on this project wrote it.
A stratified 20% sample (seed 13) is the training set; every figure is computed on the other
80% (4,096 sentences), the held-out rows. Nothing in pmresearch was tuned on the held-out rows:
the lexicon was written without looking at the set, and the trained model sees only the 20%.
The set has no "mixed" label, so pmresearch's "mixed" counts as positive or negative by the
sign of its score.

*Demo council* — the Ashbrook comments' gold labels (four classes with "mixed"). The trained
model learns from the hand-coded sample (``hand_coded.csv``, reference coder) and every figure
is on the comments outside it. VADER and TextBlob have no "mixed" label, so they cannot score
on those comments; this is part of what the comparison shows.

*Tools* — VADER (``vaderSentiment`` 3.3.2, compound ±0.05) and TextBlob (0.20.1, polarity sign)
run in their own virtual environments (``bash benchmarks/setup_peers.sh vaderSentiment
textblob``) through ``_coding_runner.py``; pmresearch runs here: "rules" is the lexicon and
rules only, "trained" is :class:`pmresearch.coding.classifier.SentimentClassifier` fitted on the
training rows.

*Speed* — comments per second over the held-out rows, best of 5 timed passes after one warm-up,
each tool coding the whole list in one call of its usual interface (a loop over texts for the
peers; one batch for pmresearch). pmresearch's time covers sentiment **and** themes (tokenising
once, lexicon, rules, code frame); reading files and building the lexicon or analyser are not
timed for anyone. Throughput ratios are against VADER.

Usage::

    bash benchmarks/setup_peers.sh vaderSentiment textblob
    python benchmarks/coding.py [--data ../shared/data/sentiment_dev.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score
from sklearn.model_selection import train_test_split

from pmresearch.coding import code_by_rules
from pmresearch.coding.classifier import SentimentClassifier
from pmresearch.coding.coder import reference_coder
from pmresearch.workspace import load_workspace

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / "shared" / "data" / "sentiment_dev.csv"
BENCH_DIR = Path(os.environ.get("PMRESEARCH_BENCH_DIR", "/opt/pmresearch-bench"))
PEERS = {"VADER": "vaderSentiment", "TextBlob": "textblob"}
REPEATS = 5


def run_peer(peer: str, texts: list[str]) -> tuple[list[str] | None, float | None]:
    """Labels and best time of a peer in its venv, or (None, None) when it is not set up."""
    python = BENCH_DIR / peer / "bin" / "python"
    if not python.exists():
        print(f"  {peer}: not set up (bash benchmarks/setup_peers.sh {peer}); skipped")
        return None, None
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, out_path = Path(tmp) / "texts.json", Path(tmp) / "out.json"
        texts_path.write_text(json.dumps(texts), encoding="utf-8")
        subprocess.run([str(python), str(HERE / "_coding_runner.py"), peer, str(texts_path),
                        str(out_path), str(REPEATS)], check=True)
        result = json.loads(out_path.read_text(encoding="utf-8"))
    return result["labels"], result["seconds"]


def time_rules(texts: list[str], parameters) -> tuple[pd.DataFrame, float]:
    """pmresearch rule coding (sentiment + themes), best of REPEATS after a warm-up."""
    coded = code_by_rules(texts, parameters)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        code_by_rules(texts, parameters)
        best = min(best, time.perf_counter() - start)
    return coded, best


def three_class(coded: pd.DataFrame) -> np.ndarray:
    """Rule labels with "mixed" resolved by the score's sign, for a set without "mixed"."""
    labels = coded["sentiment"].to_numpy(object)
    return np.where(labels == "mixed", np.where(coded["score"] >= 0, "positive", "negative"),
                    labels)


def scores(name: str, gold, predicted, seconds: float | None, n: int) -> dict:
    return {"tool": name, "n": n,
            "accuracy": accuracy_score(gold, predicted),
            "macro_f1": f1_score(gold, predicted, average="macro", zero_division=0),
            "kappa": cohen_kappa_score(gold, predicted),
            "comments_per_s": n / seconds if seconds else np.nan}


def compare(parameters, texts: list[str], truth: np.ndarray, train_texts: list[str],
            train_labels: np.ndarray, *, trained_on: str, three_classes: bool) -> pd.DataFrame:
    """Every tool's figures on the same ``texts``; the trained model sees only the training
    rows."""
    rows = []
    for name, peer in PEERS.items():
        labels, seconds = run_peer(peer, texts)
        if labels is not None:
            rows.append(scores(name, truth, labels, seconds, len(texts)))
    coded, seconds = time_rules(texts, parameters)
    rules = three_class(coded) if three_classes else coded["sentiment"]
    rows.append(scores("pmresearch rules", truth, rules, seconds, len(texts)))
    model = SentimentClassifier(parameters.lexicon).fit(train_texts, train_labels)
    start = time.perf_counter()
    predicted = model.predict(texts)
    rows.append(scores(f"pmresearch trained ({trained_on})", truth, predicted,
                       time.perf_counter() - start, len(texts)))
    return pd.DataFrame(rows)


def evaluation_set(path: Path, parameters) -> pd.DataFrame:
    data = pd.read_csv(path)
    train, test = train_test_split(data, train_size=0.2, stratify=data["label"], random_state=13)
    print(f"{path.name}: {len(train):,} training rows, {len(test):,} held-out rows")
    return compare(parameters, test["text"].tolist(), test["label"].to_numpy(object),
                   train["text"].tolist(), train["label"].to_numpy(object), trained_on="20%",
                   three_classes=True)


def demo_council() -> pd.DataFrame:
    ws = load_workspace()
    comments = ws.comments.set_index("comment_id")
    gold = pd.read_csv(ws.path / "comments.csv", usecols=["comment_id", "sentiment"],
                       index_col="comment_id")["sentiment"]
    coder = reference_coder(ws.hand_coded, ws.parameters.settings["coding"])
    sample = ws.hand_coded[ws.hand_coded["coder"] == coder].set_index("comment_id")
    held_out = comments.index.difference(ws.hand_coded["comment_id"])
    print(f"demo council: {len(sample):,} hand-coded comments ({coder}) to train on, "
          f"{len(held_out):,} other comments scored against the gold labels")
    return compare(ws.parameters, comments.loc[held_out, "text"].tolist(),
                   gold.loc[held_out].to_numpy(object),
                   comments.loc[sample.index, "text"].tolist(),
                   sample["sentiment"].to_numpy(object), trained_on="hand-coded",
                   three_classes=False)


def show(table: pd.DataFrame) -> None:
    vader = table.loc[table["tool"] == "VADER", "comments_per_s"]
    if len(vader):
        table = table.assign(speed_vs_vader=table["comments_per_s"] / vader.iloc[0])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}" if abs(v) < 100
                          else f"{v:,.0f}"))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"{args.data} not found: rebuild it with make_sentiment_dev.py from the shared "
              "data folder, or pass --data PATH.", file=sys.stderr)
        return 2
    parameters = load_workspace().parameters
    show(evaluation_set(args.data, parameters))
    show(demo_council())
    return 0


if __name__ == "__main__":
    sys.exit(main())
