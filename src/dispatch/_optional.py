"""Optional dependencies, imported on first use with an error that names the extra to install."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["optional_import", "pyplot"]


def optional_import(module: str, *, extra: str, purpose: str) -> Any:
    """Import ``module``, or raise an ImportError saying which extra of ``dispatch`` brings it.

    Examples
    --------
    >>> optional_import("json", extra="none", purpose="reading JSON").__name__
    'json'
    >>> optional_import("no_such_module_here", extra="plot", purpose="drawing a map")
    Traceback (most recent call last):
    ...
    ImportError: drawing a map needs no_such_module_here, an optional dependency: \
pip install 'dispatch[plot]' (or pip install no_such_module_here)
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = module.split(".")[0]
        raise ImportError(
            f"{purpose} needs {package}, an optional dependency: "
            f"pip install 'dispatch[{extra}]' (or pip install {package})"
        ) from error


def pyplot(purpose: str) -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (the ``plot`` extra).

    Examples
    --------
    >>> pyplot("drawing a chart").get_backend().lower()
    'agg'
    """
    optional_import("matplotlib", extra="plot", purpose=purpose).use("Agg", force=True)
    return importlib.import_module("matplotlib.pyplot")
