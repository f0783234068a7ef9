"""The sections of an evidence pack, each read from the evidence store and a service.

The pack notebook calls one function per cell with the store (:func:`pmresearch.store.open_store`)
and the service id; each returns something Jupyter displays (a Markdown block, a table or a
figure), so the same sections can be shown in JupyterLab. Sections only read and present:
every number comes from the store's tables, computed once by :func:`pmresearch.store.build_store`.
Tables are shown for reading (labelled columns, rounded figures, no row numbers).

The sections live in one module per part of the pack — :mod:`.summary`, :mod:`.indicators`,
:mod:`.survey`, :mod:`.comments` — and are all importable from here.
"""

from ._common import (DIRECTION_LABELS, QUARTILE_LABELS, RAG_LABELS, SEVERITY_LABELS,
                      styled_table)
from .comments import (coding_reliability, comments_by_source, complaints_and_compliments,
                       theme_table, top_issues)
from .indicators import (benchmark_position, cost_and_value, indicator_table, indicator_trends,
                         ward_linkage, ward_scatter)
from .summary import (findings_and_actions, header, improvement_plan, residents_and_performance,
                      service_summary)
from .survey import (change_since_last_wave, equality_breakdown, satisfaction_by_wave,
                     ward_breakdown, weighting_quality)

__all__ = ["DIRECTION_LABELS", "QUARTILE_LABELS", "RAG_LABELS", "SEVERITY_LABELS",
           "benchmark_position", "change_since_last_wave", "coding_reliability",
           "comments_by_source", "complaints_and_compliments", "cost_and_value",
           "equality_breakdown", "findings_and_actions", "header", "improvement_plan",
           "indicator_table", "indicator_trends", "residents_and_performance",
           "satisfaction_by_wave", "service_summary", "styled_table", "theme_table",
           "top_issues", "ward_breakdown", "ward_linkage", "ward_scatter", "weighting_quality"]
