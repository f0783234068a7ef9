"""Helpers for the analyst notebooks: the coding workbench, the weighting walkthrough and the
linkage explorer (``notebooks/``, opened by ``pmresearch lab``).

Each function is one notebook cell's worth of work and returns something Jupyter shows (a
table, a figure, a short message). One module per capability:

- :mod:`.hand_codes` reads, checks and saves the hand-coded sample. :func:`save_hand_codes` is
  the one function that changes files: it adds an analyst's codes to a workspace's
  ``hand_coded.csv`` without losing or duplicating the rows already there, and never writes into
  the demo shipped with the package.
- :mod:`.review` is the coding workbench: :func:`coding_workspace` (a temporary copy of the demo
  to code in), sheets of comments to code by hand, and how the coding went.
- :mod:`.weighting_walkthrough` weights one survey wave step by step (:func:`weighting_steps`).
- :mod:`.linkage_explorer` shows one service and quarter's evidence record.

Tables are shown for reading (labelled columns, rounded figures, no row numbers); their HTML id
comes from their content, so a re-run notebook renders them byte for byte the same (nbval
compares the committed outputs with fresh ones).
"""

from .hand_codes import (HAND_CODED_COLUMNS, SENTIMENTS, HandCodesError, SavedCodes,
                         codes_to_save, hand_codes_by_coder, read_hand_codes, save_hand_codes)
from .linkage_explorer import evidence_record
from .review import (SHEET_COLUMNS, coding_sample, coding_summary, coding_workspace, fill_codes,
                     fill_demo_stand_in, reliability_table, reload, review_sheet,
                     rules_confusion, show_sheet, workspace_note)
from .weighting_walkthrough import (WeightingSteps, margins_achieved, raking_diagnostics,
                                    sample_vs_population, trimming_comparison,
                                    weight_distribution, weighted_vs_unweighted, weighting_steps)

__all__ = ["HAND_CODED_COLUMNS", "SENTIMENTS", "SHEET_COLUMNS", "HandCodesError", "SavedCodes",
           "WeightingSteps", "codes_to_save", "coding_sample", "coding_summary",
           "coding_workspace", "evidence_record", "fill_codes", "fill_demo_stand_in",
           "hand_codes_by_coder", "margins_achieved", "raking_diagnostics", "read_hand_codes",
           "reliability_table", "reload", "review_sheet", "rules_confusion",
           "sample_vs_population", "save_hand_codes", "show_sheet", "trimming_comparison",
           "weight_distribution", "weighted_vs_unweighted", "weighting_steps", "workspace_note"]
