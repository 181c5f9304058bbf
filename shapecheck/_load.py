"""Finding the models of a Python file or module, for the command line (``shapecheck summary``, ``diagram``).

A target is ``FILE.py`` or a module name, optionally ``:NAME``. Without a name, its models are the
module-level ``shapecheck.nn`` models (not parts of another) and the functions defined there that take
no argument and are annotated to return one. A ``NAME`` may be any model or zero-argument callable.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import shapecheck
import shapecheck.bridge  # noqa: F401  (hides torch's numpy warning before the user's file imports torch)
from shapecheck.dims import DimLike
from shapecheck.nn.module import Module, Sequential

__all__ = ["Candidate", "UsageError", "build", "candidates", "format_exception", "import_target", "split_target"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_ZOO_DIR = os.path.join(_PACKAGE_DIR, "models")
_SPATIAL: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


class UsageError(Exception):
    """A target or option the command line cannot use (exit status 2)."""


@dataclass(frozen=True)
class Candidate:
    """A model found in the target: ``label`` as the user would write it, ``make`` builds (or returns) it."""

    label: str
    make: Callable[[], object]


def split_target(text: str) -> tuple[str, str | None]:
    """``"examples/vgg16.py:vgg16"`` (or ``:vgg16()``, as the commands list it) -> ``("examples/vgg16.py", "vgg16")``;
    a bare source has no name."""
    source, sep, name = text.rpartition(":")
    name = name.removesuffix("()")
    if sep and name.isidentifier() and source and not os.path.exists(text):
        return source, name
    return text, None


def import_target(source: str) -> ModuleType:
    """Import ``source``: a ``.py`` file (its directory first on ``sys.path``) or a module name."""
    if source.endswith(".py") or os.sep in source or os.path.exists(source):
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"{source}: no such file")
        path = path.resolve()
        directory = str(path.parent)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        name = path.stem if path.stem not in sys.modules else f"_shapecheck_target_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise UsageError(f"{source}: cannot be imported as a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    if not all(part.isidentifier() for part in source.split(".")):
        raise UsageError(f"{source}: neither a file nor a module name")
    if importlib.util.find_spec(source.split(".")[0]) is None:
        raise UsageError(f"{source}: no such file or module")
    return importlib.import_module(source)


def candidates(module: ModuleType, name: str | None) -> tuple[list[Candidate], list[str]]:
    """The models of ``module`` (or the one called ``name``), and notes on the torch modules skipped
    because this shapecheck has no ``from_torch``.
    """
    if name is not None:
        if not hasattr(module, name):
            names = ", ".join(c.label for c in candidates(module, None)[0]) or "none"
            raise UsageError(f"{_where(module)} has no {name!r} (models found: {names})")
        obj = getattr(module, name)
        if callable(obj) and not _is_model(obj):
            if not _without_arguments(obj):
                raise UsageError(f"{name} takes arguments: name a model or a function callable without arguments")
            return [Candidate(f"{name}()", obj)], []
        return [Candidate(name, lambda: obj)], []
    models = {k: obj for k, obj in vars(module).items() if not k.startswith("_") and _is_model(obj)}
    skipped = [k for k, obj in models.items() if _is_torch_module(obj) and not hasattr(shapecheck, "from_torch")]
    models = {k: obj for k, obj in models.items() if k not in skipped}
    parts = {id(part) for obj in models.values() if isinstance(obj, Module) for part in _descendants(obj)}
    found = [Candidate(label, _returning(obj)) for label, obj in models.items() if id(obj) not in parts]
    for label, fn in vars(module).items():
        if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not label.startswith("_"):
            if _without_arguments(fn) and _returns_model(fn):
                found.append(Candidate(f"{label}()", fn))
    notes = [f"skipped {label}: a torch module, and this shapecheck has no from_torch to read it" for label in skipped]
    return found, notes


def build(candidate: Candidate, dims: tuple[DimLike, ...] | None) -> tuple[Sequential, str | None]:
    """The candidate as a checked chain with an input, and a note when the input was not declared.

    A chain without ``Input`` is checked on ``dims`` (``--input``), else on the input its first
    layer implies: ``(B, C, H, W)`` for ``Conv2d(C, ...)``, ``(B, F)`` for ``Linear(F, ...)``.
    """
    model = _as_shapecheck(candidate.make(), candidate.label, dims)
    chain = model if isinstance(model, Sequential) else Sequential(model)
    if dims is not None:
        return chain.with_input(*dims), None
    if not chain.input_shape.prefix:
        return chain, None
    guess = _implied_input(chain)
    if guess is None:
        raise UsageError(f"{candidate.label} declares no Input: give its input shape, e.g. --input B 3 224 224")
    first = next(_leaves(chain))
    shown = ", ".join(map(str, guess))
    note = f"no Input declared: checked on ({shown}), as {type(first).__name__} implies (choose with --input)"
    return chain.with_input(*guess), note


def format_exception(err: BaseException) -> str:
    """The exception as Python prints it, without the frames of shapecheck's machinery and the import system."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if _user_frame(f.filename)]
    for frame in frames:
        frame.filename = _relative(frame.filename)
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    if isinstance(err, SyntaxError) and err.filename:
        err.filename = _relative(err.filename)  # shown with the offending line and a caret
    return "".join([*lines, *traceback.format_exception_only(err)]).rstrip("\n")


def _user_frame(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return False
    return not filename.startswith(_PACKAGE_DIR) or filename.startswith(_ZOO_DIR)


def _relative(filename: str) -> str:
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith("..") else rel


def _where(module: ModuleType) -> str:
    file = getattr(module, "__file__", None)
    return _relative(file) if file else module.__name__


def _is_model(obj: object) -> bool:
    return isinstance(obj, Module) or _is_torch_module(obj)


def _is_torch_module(obj: object) -> bool:
    return any(c.__name__ == "Module" and c.__module__ == "torch.nn.modules.module" for c in type(obj).__mro__)


def _returning(obj: object) -> Callable[[], object]:
    return lambda: obj


def _descendants(model: Module) -> Iterator[Module]:
    for _, child in model.children():
        yield child
        yield from _descendants(child)


def _leaves(model: Module) -> Iterator[Module]:
    """The layers under ``model`` in order, each one with its own rule (``infer``): the parts a layer holds
    (attention's ``out_proj``) are not layers of the chain."""
    children = model.children()
    if not children or type(model).infer is not Module.infer:
        yield model
        return
    for _, child in children:
        yield from _leaves(child)


def _without_arguments(fn: object) -> bool:
    try:
        inspect.signature(fn).bind()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _returns_model(fn: Callable[..., object]) -> bool:
    """Whether ``fn`` is annotated to return a ``shapecheck.nn`` model (``main() -> None`` is not called)."""
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that does not resolve is not a promise of a model
        return False
    return isinstance(hint, type) and issubclass(hint, Module)


def _as_shapecheck(obj: object, label: str, dims: tuple[DimLike, ...] | None) -> Module:
    if isinstance(obj, Module):
        return obj
    if _is_torch_module(obj):
        convert = getattr(shapecheck, "from_torch", None)
        if convert is None:
            raise UsageError(f"{label} is a torch module: this shapecheck has no from_torch to read it")
        if dims is None:
            raise UsageError(f"{label} is a torch module: give its input shape, e.g. --input B 3 224 224")
        converted = convert(obj, dims)
        if not isinstance(converted, Module):
            raise UsageError(f"{label}: from_torch returned {type(converted).__name__}, not a shapecheck model")
        return converted
    raise UsageError(f"{label} is {type(obj).__name__}, not a shapecheck.nn model")


def _implied_input(chain: Sequential) -> tuple[DimLike, ...] | None:
    first = next(_leaves(chain), None)
    channels, n, features = (getattr(first, a, None) for a in ("in_channels", "_n", "in_features"))
    if isinstance(channels, int) and isinstance(n, int) and n in _SPATIAL:
        return ("B", channels, *_SPATIAL[n])
    if isinstance(features, int):
        return ("B", features)
    return None
