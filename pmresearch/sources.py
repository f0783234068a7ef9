"""Where a comment came from, as a role the packs understand.

``comments.csv`` holds ``source`` as free text: one council writes ``complaint``, another
``Stage 2 Complaints`` or ``Complaints_free_text``. The packs never read those spellings.
They read the source's *role*: one of :data:`ROLES`. ``parameters/rules.yaml``
(``settings.sources.roles``) maps a council's spellings to roles with patterns, and
:func:`source_roles` applies them.

**The pattern language** (the same text is in ``rules.yaml``; it is the code frame's
language without the lone ``*``):

* A source and a pattern are read as words. Case does not matter. ``_``, ``-``, spaces and
  any other punctuation separate words. Apostrophes are dropped, so ``Residents' survey`` reads
  ``residents survey`` and ``People's panel`` reads ``peoples panel``.
* A pattern is a word or a phrase. It matches a source that holds those words side by side,
  as whole words: ``citizens panel`` matches "Citizens' Panel 2025" but ``panel`` does not
  match "panelling".
* A ``*`` at the end of a word matches any ending: ``complaint*`` matches "Complaint",
  "complaints_free_text" and "Stage 2 Complaints".
* The roles are tried in the order ``rules.yaml`` lists them, and the first role with a
  matching pattern wins. The default order puts ``complaint`` and ``compliment`` first, so
  "Complaints about the survey" is a complaint.
* A source that no pattern matches has the role ``other``. :func:`describe_sources` reports
  it as unmatched so that ``pmresearch validate`` can point it out. A role's own patterns, such
  as ``other: [feedback]``, mark a source as known without giving it a role the packs count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["ROLES", "ROLE_LABELS", "describe_sources", "normalise_source",
           "source_pattern_problem", "source_roles"]

#: The roles a comment's source can have, in the order messages list them.
ROLES = ("survey", "consultation", "complaint", "compliment", "citizens_panel", "focus_group",
         "other")

#: Each role as a pack shows it.
ROLE_LABELS = {"survey": "Survey", "consultation": "Consultation", "complaint": "Complaint",
               "compliment": "Compliment", "citizens_panel": "Citizens' panel",
               "focus_group": "Focus group", "other": "Other"}

# Straight, curly and backtick apostrophes: "People's", "People’s" and "Peoples" read alike.
_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_SOURCE_SEPARATORS = re.compile(r"[\W_]+")
_PATTERN_SEPARATORS = re.compile(r"[^\w*]+|_+")
_PATTERN_WORD = re.compile(r"[^\W_]+\*?")


def normalise_source(text: object) -> str:
    """A source as the patterns read it: lower case, apostrophes dropped, and words separated by
    single spaces.

    Examples
    --------
    >>> normalise_source("Residents' Survey -- 2025")
    'residents survey 2025'
    >>> normalise_source("complaints_free_text")
    'complaints free text'
    """
    text = _APOSTROPHES.sub("", str(text).casefold())
    return _SOURCE_SEPARATORS.sub(" ", text).strip()


def _normalise_pattern(pattern: str) -> str:
    text = _APOSTROPHES.sub("", pattern.casefold())
    return _PATTERN_SEPARATORS.sub(" ", text).strip()


def source_pattern_problem(pattern: object) -> str | None:
    """Why ``pattern`` cannot be used as a source pattern, or None if it can.

    Examples
    --------
    >>> source_pattern_problem("Stage 1 complaint*") is None
    True
    >>> source_pattern_problem("compl*aint")
    "'*' can only end a word, not sit inside 'compl*aint'"
    """
    if not isinstance(pattern, str):
        return f"{pattern!r} is not text"
    words = _normalise_pattern(pattern).split()
    if not words:
        return f"{pattern!r} has no letters or digits"
    for word in words:
        if not _PATTERN_WORD.fullmatch(word):
            return f"'*' can only end a word, not sit inside {word!r}"
    return None


def _compile(pattern: str) -> re.Pattern:
    words = [re.escape(word[:-1]) + r"\S*" if word.endswith("*") else re.escape(word)
             for word in _normalise_pattern(pattern).split()]
    return re.compile(r"(?<!\S)" + " ".join(words) + r"(?!\S)")


def _role_patterns(settings: Mapping) -> list[tuple[str, str, re.Pattern]]:
    """``(role, pattern, compiled)`` in the order they are tried."""
    block = settings.get("sources") if isinstance(settings, Mapping) else None
    if not isinstance(block, Mapping) or not isinstance(block.get("roles"), Mapping):
        found = ", ".join(repr(k) for k in settings) if isinstance(settings, Mapping) else "none"
        raise ValueError(f"settings: no 'sources.roles' block (found keys: {found}); expected "
                         "the settings of rules.yaml. Pass ws.parameters.settings.")
    compiled = []
    for role, patterns in block["roles"].items():
        if role not in ROLES:
            allowed = ", ".join(repr(r) for r in ROLES)
            raise ValueError(f"settings: unknown role {role!r} in 'sources.roles' (allowed: "
                             f"{allowed}). Correct the role.")
        for pattern in patterns or ():
            problem = source_pattern_problem(pattern)
            if problem:
                raise ValueError(f"settings: 'sources.roles.{role}' pattern {pattern!r}: "
                                 f"{problem}. Correct the pattern.")
            compiled.append((role, pattern, _compile(pattern)))
    return compiled


def _classify(sources: pd.Series, settings: Mapping) -> tuple[np.ndarray, pd.DataFrame]:
    """The codes of ``sources`` into their distinct values, and each distinct value's role,
    whether a pattern matched it and the first pattern that did."""
    patterns = _role_patterns(settings)
    codes, distinct = pd.factorize(sources, use_na_sentinel=False)
    rows = []
    for value in distinct:
        text = "" if pd.isna(value) else normalise_source(value)
        hit = next(((role, pattern) for role, pattern, regex in patterns if regex.search(text)),
                   None)
        rows.append(("other", False, "") if hit is None else (hit[0], True, hit[1]))
    table = pd.DataFrame(rows, columns=["role", "matched", "pattern"])
    return codes, table.astype({"role": str, "matched": bool, "pattern": str})


def source_roles(sources: Iterable[object], settings: Mapping) -> pd.Series:
    """The role of each comment's source: ``survey``, ``consultation``, ``complaint``,
    ``compliment``, ``citizens_panel``, ``focus_group`` or ``other``.

    Each distinct source is matched once against the patterns of ``settings.sources.roles``,
    and its role is then copied to every comment with that source. A blank or missing source,
    or one that no pattern matches, is ``other``.

    Parameters
    ----------
    sources : Series or iterable of str
        The ``source`` column of ``comments.csv``, as the council spelt it.
    settings : mapping
        The settings of ``rules.yaml`` (``ws.parameters.settings``), holding
        ``sources.roles``: each role mapped to its list of patterns, in the order they are tried.

    Returns
    -------
    Series
        Named ``role``, of str, with the index of ``sources`` (a fresh range index when
        ``sources`` is not a Series).

    Raises
    ------
    ValueError
        If ``settings`` has no ``sources.roles`` block, names an unknown role, or holds a
        pattern that cannot match. The workspace loader reports these first, naming the file.

    Examples
    --------
    >>> settings = {"sources": {"roles": {"complaint": ["complaint*"],
    ...                                   "survey": ["survey*"]}}}
    >>> source_roles(pd.Series(["Complaint", "Stage 2 Complaints", "Residents' survey",
    ...                         "Web form"]), settings).tolist()
    ['complaint', 'complaint', 'survey', 'other']
    """
    series = sources if isinstance(sources, pd.Series) else pd.Series(list(sources), dtype=object)
    codes, table = _classify(series, settings)
    return pd.Series(table["role"].to_numpy()[codes], index=series.index, name="role", dtype=str)


def describe_sources(comments: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Each distinct ``source`` of ``comments.csv`` with its number of comments and its role,
    so a council can check that the source patterns read its spellings as it means them.

    Parameters
    ----------
    comments : DataFrame
        ``comments.csv`` (``ws.comments``): at least a ``source`` column.
    settings : mapping
        The settings of ``rules.yaml`` (``ws.parameters.settings``).

    Returns
    -------
    DataFrame
        One row per distinct source, as spelt, with the most comments first (ties by source).
        ``source`` (str), ``comments`` (int), ``role`` (one of :data:`ROLES`), ``matched``
        (bool: False when no pattern matched, so the role ``other`` is a default) and
        ``pattern`` (the pattern that gave the role; empty when unmatched).

    Raises
    ------
    ValueError
        If ``comments`` has no ``source`` column, or as :func:`source_roles`.

    Examples
    --------
    >>> comments = pd.DataFrame({"source": ["Complaint", "Residents' survey", "Complaint",
    ...                                     "Web form", "customer_feedback"]})
    >>> settings = {"sources": {"roles": {"complaint": ["complaint*"], "survey": ["survey*"],
    ...                                   "other": ["feedback"]}}}
    >>> describe_sources(comments, settings)  # doctest: +NORMALIZE_WHITESPACE
                  source  comments       role  matched      pattern
    0          Complaint         2  complaint     True   complaint*
    1  Residents' survey         1     survey     True      survey*
    2           Web form         1      other    False
    3  customer_feedback         1      other     True     feedback
    """
    if "source" not in comments.columns:
        found = ", ".join(repr(c) for c in comments.columns[:12])
        raise ValueError(f"comments: column 'source' is missing (found: {found}). Pass "
                         "comments.csv as loaded (ws.comments).")
    counts = comments["source"].value_counts(dropna=False)
    codes, table = _classify(pd.Series(counts.index, dtype=object), settings)
    described = pd.DataFrame({"source": counts.index.astype(str),
                              "comments": counts.to_numpy(dtype=int)})
    described = pd.concat([described, table.iloc[codes].reset_index(drop=True)], axis=1)
    return described.sort_values(["comments", "source"], ascending=[False, True],
                                 ignore_index=True, key=_sort_key)


def _sort_key(column: pd.Series) -> pd.Series:
    # Missing sources sort with the text (as ''), not at an arbitrary end.
    return column.fillna("").astype(str) if column.name == "source" else column
