"""The user's own modules, read as Python would import them: ``from .blocks import Block`` in a package,
``import vgg16`` beside a script. Each file is read once per interpreter and its top level run in a
module scope of its own (:meth:`Interpreter.load`), so its classes and functions are followed with the
caller's arguments. Anything else imported stays a name (:class:`External`).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Final

from shapecheck.static.values import External, LocalModule, Unknown, Value

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter, SourceFile

__all__ = ["MODELED", "imported", "imported_from", "imports_of", "installed"]

MODELED: Final = frozenset(
    {"torch", "einops", "math", "numpy", "typing", "typing_extensions", "dataclasses", "collections", "functools", "jaxtyping", "shapecheck", "builtins"}
)
"""Packages the interpreter knows by name (the op table, math, the builtins): their names stay names."""
MAX_FILES: Final = 32
"""Files read for one analysis; a project's imports beyond that stay unknown names."""


def imported(interp: Interpreter, module: str) -> Value:
    """``import module``: the top package's value (``import a.b`` binds ``a``)."""
    top = module.split(".")[0]
    file = _module_file(interp, top, 0)
    return LocalModule(top, file.scope.vars) if file is not None else External(top)


def imported_from(interp: Interpreter, module: str, level: int, name: str) -> Value:
    """``from module import name`` (``level`` dots before ``module``)."""
    dotted = ("." * level) + module
    fallback = External(f"{dotted}.{name}" if dotted else name)
    file = _module_file(interp, module, level)
    if file is not None and name in file.scope.vars:
        return file.scope.vars[name]
    submodule = _module_file(interp, f"{module}.{name}" if module else name, level)
    if submodule is not None:
        return LocalModule(name, submodule.scope.vars)
    if file is not None:
        return Unknown(f"{name} is not defined in {file.path}")
    return fallback


def installed(path: str) -> bool:
    """Whether ``path`` is a file of an installed package (torch's own modules): the user's files are
    read, not the libraries'."""
    parts = Path(path).parts
    return "site-packages" in parts or "dist-packages" in parts or path.endswith(".pyi")


def imports_of(origin: Path, tree: ast.Module) -> set[Path]:
    """The files of the project that ``tree`` (the source of ``origin``) may import, as :func:`imported` and
    :func:`imported_from` find them (both the module and the submodule of ``from a import b``)."""
    found: set[Path | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(module_path(origin, alias.name.split(".")[0], 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found.add(module_path(origin, module, node.level))
            found.update(module_path(origin, f"{module}.{a.name}" if module else a.name, node.level) for a in node.names)
    return {path for path in found if path is not None}


def module_path(origin: Path, module: str, level: int) -> Path | None:
    """The file ``module`` names when ``origin`` imports it: in origin's package (``level`` >= 1: one
    directory up per dot past the first), or beside origin (a script's sibling)."""
    parts = [p for p in module.split(".") if p]
    if level == 0 and (not parts or parts[0] in MODELED):
        return None
    if installed(str(origin)) or not origin.is_file():
        return None
    base = origin.resolve().parent
    for _ in range(max(level - 1, 0)):
        base = base.parent
    target = base.joinpath(*parts)
    for path in (target.with_suffix(".py"), target / "__init__.py") if parts else (base / "__init__.py",):
        if path.is_file():
            return path
    return None


def _module_file(interp: Interpreter, module: str, level: int) -> SourceFile | None:
    path = module_path(Path(interp.path), module, level)
    return _load(interp, path) if path is not None else None


def _load(interp: Interpreter, path: Path) -> SourceFile | None:
    key = str(path)
    if key in interp.local_files:
        return interp.local_files[key]  # None while it is being read: an import cycle
    interp.local_files[key] = None
    if len(interp.local_files) > MAX_FILES or key == str(Path(interp.path).resolve()):
        return None
    from shapecheck.static.interpreter import Exhausted

    try:
        text = interp.sources[key] if key in interp.sources else path.read_text(encoding="utf-8")
        steps = interp.steps
        with interp.silenced():  # its own top level is checked where that file is
            file = interp.load(text, key)
        interp.steps = steps  # the imported file's top level is not the caller's budget
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, Exhausted):
        return None
    interp.local_files[key] = file
    return file
