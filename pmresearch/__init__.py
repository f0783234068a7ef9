"""pmresearch: resident surveys, consultation comments and performance indicators, joined into
evidence packs for a council's plan–do–review–revise cycle.

The modules follow the flow of data: :mod:`workspace` loads and validates a council's files,
:mod:`estimates`, :mod:`coding` and :mod:`performance` analyse them, :mod:`sections` shapes
them into the sections of an evidence pack and :mod:`packs` runs one pack per service.

The names below are imported on first use (PEP 562), so ``import pmresearch.estimates`` loads
the statistics alone, not the packs' notebook and plotting machinery.
"""

from ._version import __version__

__all__ = [
    "OutputError",
    "PackError",
    "PeriodError",
    "PmresearchError",
    "RuleError",
    "SurveyDesign",
    "WeightingError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "check_workspace",
    "generate_demo",
    "load_workspace",
    "rake",
    "run_packs",
    "weight_all_waves",
    "weight_wave",
]

# Each public name and the module that defines it.
_SOURCES = {
    "generate_demo": "demo",
    "SurveyDesign": "design",
    **dict.fromkeys(("OutputError", "PackError", "PeriodError", "PmresearchError", "RuleError",
                     "WeightingError", "WorkspaceError"), "errors"),
    "run_packs": "packs",
    **dict.fromkeys(("rake", "weight_all_waves", "weight_wave"), "weighting"),
    **dict.fromkeys(("Workspace", "check_workspace", "load_workspace"), "workspace"),
}


def __getattr__(name: str):
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'pmresearch' has no attribute {name!r}")
    # Spelt out rather than import_module(source) so the static import graph checked by
    # tests/test_layers.py sees these imports.
    if source == "demo":
        from . import demo as module
    elif source == "design":
        from . import design as module
    elif source == "errors":
        from . import errors as module
    elif source == "packs":
        from . import packs as module
    elif source == "weighting":
        from . import weighting as module
    else:
        from . import workspace as module
    value = getattr(module, name)
    globals()[name] = value  # looked up once; later reads skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
