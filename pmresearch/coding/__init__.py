"""Coding free-text comments: redaction, sentiment, themes, a trained classifier, reliability.

One module per step, in the order a comment meets them: :mod:`.redact` removes personal data,
:mod:`.sentiment` (with :mod:`.lexicon`) and :mod:`.themes` code it by transparent rules,
:mod:`.classifier` learns from the hand-coded sample, :mod:`.reliability` measures agreement,
:mod:`.duplicates` groups campaign responses and :mod:`.quotes` picks what a pack may quote.
"""

from .coder import (CodedComments, code_by_rules, code_comments, coded_comments,
                    theme_summary)
from .counts import comment_counts
from .quotes import select_quotes

__all__ = ["CodedComments", "code_by_rules", "code_comments", "coded_comments", "comment_counts",
           "select_quotes", "theme_summary"]
