"""The package version (kept in step with pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("datacurve")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.1.0"
