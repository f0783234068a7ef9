"""Two simulated human coders for a stratified sample of the demo comments.

Real coders mostly agree with each other and with a careful gold standard, and when they do not
it is on the same hard comments: mixed ones read as negative, neutral ones as mixed. So each
comment gets a shared "plausible misreading"; each coder takes it with some chance on hard
comments and rarely on easy ones. Opposite-pole errors (positive read as negative, as with
sarcasm) are the rarest misreading. Themes are occasionally missed, added, or swapped for a sibling code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["hand_code"]

SAMPLE_SIZE = 600
SECOND_CODER_SIZE = 200
# Chance that a comment of each gold sentiment is hard to call.
_HARD_SHARE = {"negative": 0.06, "positive": 0.08, "neutral": 0.20, "mixed": 0.35}
_TAKE_MISREADING = 0.7
_SLIP = 0.033
# The misreadings a person plausibly makes of each gold sentiment, and how often.
_MISREADINGS = {
    "negative": {"mixed": 0.55, "neutral": 0.4, "positive": 0.05},
    "positive": {"mixed": 0.55, "neutral": 0.4, "negative": 0.05},
    "neutral": {"mixed": 0.5, "negative": 0.35, "positive": 0.15},
    "mixed": {"negative": 0.65, "positive": 0.2, "neutral": 0.15},
}
# Codes a coder may confuse with one another.
_SIBLINGS = {
    "W1": "W2", "W2": "W1", "W3": "W2", "S1": "S2", "S2": "S1", "S3": "S1", "P1": "P3", "P2": "P1",
    "P3": "P1", "L1": "L3", "L2": "L1", "L3": "L1", "LE1": "LE2", "LE2": "LE1", "H1": "H2",
    "H2": "H1", "H3": "H2", "PL1": "PL2", "PL2": "PL1", "C1": "C2", "C2": "C1", "C3": "C1",
    "X1": "X3", "X2": "X3", "X3": "X2", "X4": "X2", "Z1": "Z2", "Z2": "Z1",
}


def hand_code(comments: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Code a stratified sample: ``coder_a`` codes 600 comments, ``coder_b`` 200 of them.

    Parameters
    ----------
    comments : pandas.DataFrame
        The comments with gold ``source``, ``sentiment`` and ``themes``.
    rng : numpy.random.Generator
        Source of the sample and of the coders' choices.

    Returns
    -------
    pandas.DataFrame
        ``comment_id``, ``coder``, ``sentiment``, ``themes``, sorted by comment and coder.
    """
    gold = comments.set_index("comment_id")
    sample = _stratified(gold, gold.index, SAMPLE_SIZE, rng)
    second = set(_stratified(gold, sample, SECOND_CODER_SIZE, rng))
    rows = []
    for comment_id in sample:
        sentiment, themes = str(gold.at[comment_id, "sentiment"]), str(gold.at[comment_id, "themes"])
        hard = rng.random() < _HARD_SHARE[sentiment]
        misreading = _weighted(rng, _MISREADINGS[sentiment])
        for coder in ("coder_a", "coder_b"):
            if coder == "coder_b" and comment_id not in second:
                continue
            rows.append({"comment_id": comment_id, "coder": coder,
                         "sentiment": _code_sentiment(sentiment, hard, misreading, rng),
                         "themes": _code_themes(themes.split(";"), rng)})
    return pd.DataFrame(rows).sort_values(["comment_id", "coder"], ignore_index=True).astype("string")


def _stratified(gold: pd.DataFrame, ids, size: int, rng: np.random.Generator) -> list[str]:
    """A sample of ``ids`` allocated to source × sentiment strata in proportion, sorted."""
    frame = gold.loc[list(ids), ["source", "sentiment"]]
    strata = frame.groupby(["source", "sentiment"], sort=True).groups
    keys = sorted(strata)
    counts = np.array([len(strata[k]) for k in keys])
    exact = counts * size / counts.sum()
    # Largest-remainder rounding keeps the total exact; every stratum gets at least one comment.
    alloc = np.maximum(np.floor(exact).astype(int), 1)
    for k in np.argsort(-(exact - np.floor(exact)), kind="stable"):
        if alloc.sum() >= size:
            break
        alloc[k] += 1
    while alloc.sum() > size:
        alloc[int(np.argmax(alloc))] -= 1
    chosen = []
    for key, n in zip(keys, alloc):
        members = sorted(str(i) for i in strata[key])
        chosen.extend(rng.choice(members, size=min(int(n), len(members)), replace=False).tolist())
    return sorted(chosen)


def _code_sentiment(gold: str, hard: bool, misreading: str, rng: np.random.Generator) -> str:
    if rng.random() < (_TAKE_MISREADING if hard else _SLIP):
        return misreading if hard else _weighted(rng, _MISREADINGS[gold])
    return gold


def _code_themes(codes: list[str], rng: np.random.Generator) -> str:
    codes = list(codes)
    if len(codes) > 1 and rng.random() < 0.12:
        del codes[int(rng.integers(1, len(codes)))]
    if rng.random() < 0.05:
        k = int(rng.integers(len(codes)))
        if _SIBLINGS[codes[k]] not in codes:
            codes[k] = _SIBLINGS[codes[k]]
    if codes[0] not in ("Z1", "Z2") and len(codes) < 3 and rng.random() < 0.07:
        extra = _SIBLINGS[codes[0]] if rng.random() < 0.5 else "X3"
        if extra not in codes and extra not in ("Z1", "Z2"):
            codes.append(extra)
    return ";".join(codes)


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]
