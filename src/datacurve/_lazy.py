"""Lazy exports for package ``__init__`` modules (PEP 562), so that importing a package
does not import every module beneath it.

``datacurve --help`` must answer in well under a second, and ``import datacurve`` must
not pull in PyTorch, scikit-learn, SciPy and matplotlib before a name that needs them
is used. A package lists where each public name lives; the module is imported the first
time the name is looked up, and the value is then kept in the package's namespace.
A bottom module: it imports no room.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for `package` that import each name's module on
    first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to str
        Public name -> the module (absolute dotted name) that defines it.

    Returns
    -------
    (__getattr__, __dir__)
        Assign both at the package's top level.
    """
    namespace: dict[str, Any] | None = None

    def __getattr__(name: str) -> Any:
        nonlocal namespace
        home = exports.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        if namespace is None:
            namespace = vars(importlib.import_module(package))
        namespace[name] = value  # the next lookup is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *exports})

    return __getattr__, __dir__
