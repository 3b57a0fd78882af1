"""The built-in checks. A check is one module of this package holding one `Check`
subclass decorated with ``@register``; importing the package imports every module in
it, so adding a check is adding a file."""

import importlib
import pkgutil

__all__: list[str] = []

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
