"""pmresearch: resident surveys, consultation comments and performance indicators, joined into
evidence packs for a council's plan–do–review–revise cycle.

The modules follow the flow of data: :mod:`workspace` loads and validates a council's files,
:mod:`estimates`, :mod:`coding` and :mod:`performance` analyse them, :mod:`sections` shapes
them into the sections of an evidence pack and :mod:`packs` runs one pack per service.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pmresearch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

# Re-exported after __version__ is set: the modules below read it.
from .demo import generate_demo  # noqa: E402
from .design import SurveyDesign  # noqa: E402
from .errors import (OutputError, PackError, PeriodError, PmresearchError, RuleError,  # noqa: E402
                     WeightingError, WorkspaceError)
from .packs import run_packs  # noqa: E402
from .weighting import rake, weight_all_waves, weight_wave  # noqa: E402
from .workspace import Workspace, check_workspace, load_workspace  # noqa: E402

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
