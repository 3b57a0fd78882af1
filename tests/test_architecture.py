"""The house rules of the package: imports flow one way along the rooms, no room reaches
into another room's private modules, and every room's ``__all__`` is exactly what it
exports (after httpx's ``test_all_imports_are_exported``).

Every module is parsed with `ast`, so function-local imports and ``TYPE_CHECKING``
imports count as much as the ones at the top.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import datacurve

PACKAGE = Path(datacurve.__file__).parent

ROOMS = ("data", "models", "curves", "results", "fit", "diagnosis", "auditing", "strategies",
         "active", "monitor", "govern", "analysis", "report", "cli")
"""The rooms in the order data flows through them: each may import only those before it."""

BOTTOM = ("datacurve._errors", "datacurve._version", "datacurve._plain", "datacurve._hooks",
          "datacurve._lazy", "datacurve.metrics")
"""Modules beneath every room: any room may import them; they import no room."""

TOP = ("datacurve", "datacurve.__main__")
"""The package itself and its entry point import the rooms' public surfaces."""


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every datacurve module `path` imports (line, dotted name), wherever the import
    statement sits; ``from datacurve import x`` counts as importing ``datacurve.x``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names
                    if a.name.split(".")[0] == "datacurve"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "datacurve":
                continue
            if base == "datacurve":
                out += [(node.lineno, f"datacurve.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, base))
    return out


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def _is_private_of_room(module: str) -> bool:
    """Whether `module` is a private module inside a room (``datacurve.fit._curve``)."""
    return any(p.startswith("_") for p in module.split(".")[2:])


def _violations(paths: list[Path], root: Path = PACKAGE) -> list[str]:
    found = []
    for path in paths:
        me = _module_name(path, root)
        if me in TOP:
            continue
        my_room = _room(me)
        for line, target in _imports(path, root):
            where = f"{path.relative_to(root.parent)}:{line}: {me} imports {target}"
            if target in BOTTOM or any(target.startswith(b + ".") for b in BOTTOM):
                continue
            if my_room is None:  # a bottom module
                found.append(f"{where} (a bottom module imports no room)")
                continue
            room = _room(target)
            if target == "datacurve" or room is None:
                found.append(f"{where} (the package itself or an unknown module)")
            elif room == my_room:
                continue
            elif ROOMS.index(room) > ROOMS.index(my_room):
                found.append(f"{where} (a later room: {room} comes after {my_room})")
            elif _is_private_of_room(target):
                found.append(f"{where} (another room's private module)")
    return found


def test_every_module_is_in_a_room_or_the_bottom() -> None:
    """Each module belongs to a room, the bottom or the top: a new room must be placed
    in the flow before it can be imported."""
    stray = [_module_name(p) for p in _modules()
             if _room(_module_name(p)) is None and _module_name(p) not in BOTTOM + TOP]
    assert stray == []


def test_imports_flow_one_way() -> None:
    """No module imports a later room, another room's private module, or the package
    itself; bottom modules import no room (function-local imports included)."""
    assert _violations(_modules()) == []


def test_the_rule_catches_what_it_should(tmp_path: Path) -> None:
    """The checker itself: an upward import and a private reach, written inside a
    function, are found, and a bottom import is not (a check that cannot fail proves
    nothing)."""
    root = tmp_path / "datacurve"
    probe = root / "fit" / "_probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    from datacurve.report import build_report\n"
                     "    from datacurve.curves._store import Store\n"
                     "    from datacurve import _hooks\n"
                     "    from . import _curve\n")
    found = _violations([probe], root)
    assert len(found) == 2
    assert "a later room" in found[0] and "private module" in found[1]


def _public_modules() -> list[str]:
    names = ["datacurve", "datacurve.metrics"]
    names += [f"datacurve.{r}" for r in ROOMS]
    names += [m.name for m in pkgutil.walk_packages([str(PACKAGE / "auditing")],
                                                    "datacurve.auditing.")
              if not any(p.startswith("_") for p in m.name.split("."))]
    return names


@pytest.mark.parametrize("name", _public_modules())
def test_all_lists_exactly_what_the_module_exports(name: str) -> None:
    """Every name in ``__all__`` exists, and every public name the module holds (other
    than its submodules) is in ``__all__``: for a package, whatever its ``__init__``
    binds (httpx's rule); for a plain module, what it defines."""
    module = importlib.import_module(name)
    listed = list(module.__all__)
    assert len(listed) == len(set(listed)), "duplicates in __all__"
    assert [n for n in listed if not hasattr(module, n)] == []
    is_package = hasattr(module, "__path__")
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and n != "annotations"
              and not isinstance(v, types.ModuleType)
              and (is_package or getattr(v, "__module__", name) == name)}
    assert sorted(public - set(listed)) == []


def test_functions_do_not_shadow_rooms() -> None:
    """``from datacurve import audit; audit(X, y)`` is the function, and every room is
    reachable by its own name (no function of the same name hides it)."""
    import numpy as np

    from datacurve import audit, diagnose

    assert callable(audit) and callable(diagnose)
    for room in ROOMS:
        assert isinstance(importlib.import_module(f"datacurve.{room}"), types.ModuleType)
        assert not callable(getattr(datacurve, room, None)) or isinstance(
            getattr(datacurve, room), types.ModuleType)
    X = np.random.default_rng(0).normal(size=(60, 3))
    report = audit(np.vstack([X, X[:2]]), np.r_[np.arange(60) % 2, [0, 1]],
                   checks=["exact_duplicate"])
    assert report.flagged("exact_duplicate").size == 4
