"""The package's version, in a module of its own so any module can read it without importing
the package's ``__init__`` (and so everything it re-exports)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("pmresearch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
