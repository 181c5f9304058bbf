"""A live torch module as the forward interpreter's values, so that its ``forward`` source can be run.

Classes come from their source files (``inspect``): each file is run once, in a module scope of its
own, by one interpreter. Objects come from the live module: ``torch.nn`` layers are the
``shapecheck.nn`` layers ``from_torch`` reads from their attributes; ``Sequential``, ``ModuleList`` and
``ModuleDict`` are containers of their converted children; a module of a class with source is an
instance of that class whose attributes are the live ones (children, parameters and buffers with
their real shapes, ``training``, plain configuration values, config objects); a module without
source is imported with ``torch.fx`` (an opaque module when that fails). Names a file imports
from another file of the user's are bound to what that file defines, as Python bound them.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final, Protocol

import torch

from shapecheck.errors import ShapeError
from shapecheck.shape import Shape
from shapecheck.static.interpreter import Exhausted, Interpreter, SourceFile
from shapecheck.static.scope import Scope
from shapecheck.static.values import ClassValue, Container, DictValue, External, FunctionValue, Instance, LayerValue, ListValue, Opaque, Tensor, Unknown, Value
from shapecheck.static.local_imports import MODELED
from shapecheck.trace import Location, building_at, format_location

if TYPE_CHECKING:
    from shapecheck.nn.module import Module as Layer

__all__ = ["Program"]

_MAX_FILES: Final = 32
"""Source files read for one model (a project's imports beyond that stay unknown names)."""
_MAX_DEPTH: Final = 8
"""How deep plain attribute values (config objects, nested tuples) are converted."""
_TORCH_INTERNALS: Final = frozenset(vars(torch.nn.Module())) - {"training"}


class Layers(Protocol):
    """How ``from_torch`` reads a module as one ``shapecheck.nn`` layer."""

    def leaf(self, mod: Any) -> Layer:
        """A module the interpreter does not enter (a ``torch.nn`` layer, a module without source) as one
        layer; ``TypeError``/``ValueError`` (or ``ShapeError``) when it cannot be read."""

    def direct(self, mod: Any) -> bool:
        """Whether :meth:`leaf` reads ``mod`` without torch.fx (its layers, and no code of the user's)."""

    def base_layer(self, mod: Any) -> Layer | None:
        """The ``torch.nn`` layer a subclass (``class Conv3DSimple(nn.Conv3d)``) extends, as one layer."""


class Program:
    """One interpreter over the source files of a live module tree, and the live objects as its values."""

    def __init__(self, layers: Layers) -> None:
        self.interp = Interpreter("", "<from_torch>")
        self.layers = layers
        self.files: dict[str, SourceFile | None] = {}
        self.classes: dict[type, ClassValue | None] = {}
        self.values: dict[int, Value] = {}
        """Converted objects by id: a module or parameter shared by two attributes is one value."""
        self.alive: list[object] = []
        """The objects converted (kept alive so that their ids stay theirs)."""
        self.lines: dict[int, dict[str, int]] = {}
        """The line that sets each attribute of a class, by the id of its class statement."""
        self.paths: dict[int, str] = {}
        """The file of each class statement read, by the id of its node."""
        self.codes: dict[str, dict[tuple[str, int], types.CodeType]] = {}
        """What each file read compiles to: its functions by name and first line."""
        self.stale: list[str] = []
        """Classes and functions whose source is not the code that runs (not read: see ``_runs_as_written``)."""

    # -- source ---------------------------------------------------------------------------------
    def class_value(self, cls: type) -> ClassValue | None:
        """The interpreter's class for the live class ``cls``, from its source file; None without source."""
        if cls in self.classes:
            return self.classes[cls]
        self.classes[cls] = None
        found = self._class_value(cls)
        self.classes[cls] = found
        return found

    def _class_value(self, cls: type) -> ClassValue | None:
        method = next((fn for fn in vars(cls).values() if isinstance(fn, types.FunctionType)), None)
        module = sys.modules.get(cls.__module__)
        namespace = method.__globals__ if method is not None else vars(module) if module is not None else {}
        file = self._file(_source_file(cls) or _source_file(method), namespace)
        if file is None or not self._runs_as_written(list(vars(cls).values()), file.path, cls.__qualname__):
            return None
        node = _definition(file.tree, cls)
        if node is None:
            return None
        self.paths[id(node)] = file.path
        for value in self.interp.classes:
            if value.node is node:
                return value
        scope = Scope(parent=file.scope)  # a class defined in a function: its body, with the live closure
        for base in cls.__bases__:
            if _is_users(base):
                found: Value = self.class_value(base) or Unknown(f"class {base.__name__} without source")
                scope.vars[base.__name__] = found
        for fn in vars(cls).values():
            for name, cell in zip(getattr(getattr(fn, "__code__", None), "co_freevars", ()), getattr(fn, "__closure__", None) or ()):
                if name != "__class__":
                    scope.vars[name] = self._plain(_cell(cell), 0)
        try:
            with self.interp.entering(file):
                self.interp.exec_stmt(node, scope)
        except Exhausted:
            return None
        made = scope.vars.get(node.name)
        return made if isinstance(made, ClassValue) else None

    def _file(self, path: str | None, namespace: dict[str, Any]) -> SourceFile | None:
        if path is None:
            return None
        if path in self.files:
            return self.files[path]
        self.files[path] = None
        linecache.checkcache(path)  # a file edited since it was last read is read again
        text = "".join(linecache.getlines(path, namespace))
        if not text or len(self.files) > _MAX_FILES:
            return None
        self.interp.steps = 0  # each file has the interpreter's budget
        try:
            file = self.interp.load(text, path)
        except (SyntaxError, ValueError):
            return None
        self.files[path] = file
        self.codes[path] = _compiled(text, path, _rewritten_by_pytest(namespace))
        self._bind_imports(file, namespace)
        return file

    def _runs_as_written(self, functions: list[object], path: str, what: str) -> bool:
        """Whether ``functions`` (of ``path``) are the code the file compiles to now; a file edited since
        it was imported (or code ``exec``'d from a changed text) is not read, and ``stale`` says so."""
        codes = self.codes.get(path, {})
        for fn in functions:
            code = getattr(inspect.unwrap(fn), "__code__", None) if callable(fn) else None
            if isinstance(code, types.CodeType) and code.co_filename == path:
                written = codes.get((code.co_name, code.co_firstlineno))
                if written is None or not _same_code(written, code):
                    self.stale.append(f"the source of {what} in {format_location((path, code.co_firstlineno))} is not the code that runs (edited since it was imported?)")
                    return False
        return True

    def _bind_imports(self, file: SourceFile, namespace: dict[str, Any]) -> None:
        """Names the file imports (``from .blocks import Block``, ``from config import WIDTH``, ``*``), or
        binds to what the interpreter could not evaluate, bound to what Python bound them to: another
        file's class or function, a constant."""
        used = {node.id for node in ast.walk(file.tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        for name, obj in namespace.items():
            current = file.scope.vars.get(name, Unknown())
            if name not in used or not isinstance(current, (External, Unknown)) or not _importable(obj):
                continue
            if isinstance(current, External) and current.name.split(".")[0] in MODELED:
                continue
            value = self._plain(obj, 0)
            if not isinstance(value, Unknown) or isinstance(current, Unknown):
                file.scope.vars[name] = value

    def function_value(self, fn: types.FunctionType) -> Value:
        """A user function as the interpreter's, from the module scope of its file."""
        file = self._file(_source_file(fn), fn.__globals__)
        if file is not None and not self._runs_as_written([fn], file.path, fn.__qualname__):
            return Unknown(self.stale[-1])
        value = file.scope.vars.get(fn.__name__) if file is not None and fn.__qualname__ == fn.__name__ else None
        return value if isinstance(value, FunctionValue) else Unknown(f"function {fn.__qualname__} without source")

    # -- live objects -------------------------------------------------------------------------------
    def module(self, mod: torch.nn.Module, where: Location) -> Value:
        """The value standing for the live module ``mod`` (built at ``where`` for its error messages)."""
        known = self.values.get(id(mod))
        if known is not None:
            return known
        value = self._module(mod, where)
        self.values[id(mod)] = value
        self.alive.append(mod)
        return value

    def _module(self, mod: torch.nn.Module, where: Location) -> Value:
        name = type(mod).__name__
        if self.layers.direct(mod):
            try:
                return self._layer(mod, where)
            except ShapeError:  # a Sequential whose layers do not fit: its call in forward fails, located there
                if type(mod) is not torch.nn.Sequential:
                    raise
            except (TypeError, ValueError) as err:
                return Opaque(name, f"{name} at {format_location(where)}: its arguments are not understood ({err})", 0)
        kind = _container(mod)
        if kind is not None:
            children = [(key, self.module(child, where)) for key, child in mod._modules.items() if child is not None]
            return Container(kind, children, where[1])
        cls = self.class_value(type(mod))
        if cls is None:
            try:
                return self._layer(mod, where)
            except (TypeError, ValueError) as err:
                return Opaque(name, f"{name} at {format_location(where)} has no source and torch.fx cannot import it ({err})", 0)
        return self._instance(mod, cls, where)

    def _layer(self, mod: torch.nn.Module, where: Location) -> LayerValue:
        with building_at(where):
            layer = self.layers.leaf(mod)
        return LayerValue(layer, where[1], type(mod).__name__)

    def _instance(self, mod: torch.nn.Module, cls: ClassValue, where: Location) -> Instance:
        if not cls.is_module:  # a subclass of a torch.nn layer: called as a module, its forward from source
            cls = ClassValue(cls.name, cls.node, [External("torch.nn.Module"), cls])
        obj = Instance(cls, where[1])
        self.values[id(mod)] = obj
        try:
            with building_at(where):
                base = self.layers.base_layer(mod)
        except (TypeError, ValueError):
            base = None
        if base is not None:  # called without a forward of its own, or read for its attributes
            obj.base = LayerValue(base, where[1], type(mod).__name__)
        path = self.paths.get(id(cls.node), "<from_torch>")
        lines = self._attribute_lines(cls)
        for key, child in mod._modules.items():
            obj.set(key, None if child is None else self.module(child, (path, lines.get(key, cls.node.lineno))))
        for key, parameter in mod._parameters.items():
            obj.set(key, None if parameter is None else self.tensor(parameter))
        for key, buffer in mod._buffers.items():
            obj.buffers.add(key)
            obj.set(key, None if buffer is None else self.tensor(buffer))
        for key, value in vars(mod).items():
            if key not in _TORCH_INTERNALS:
                obj.set(key, self._plain(value, 0))
        return obj

    def tensor(self, tensor: torch.Tensor) -> Tensor:
        """A live tensor (parameter, buffer or attribute) with its real shape; the same object once."""
        known = self.values.get(id(tensor))
        if isinstance(known, Tensor):
            return known
        kind = "float" if tensor.is_floating_point() or tensor.is_complex() else "bool" if tensor.dtype == torch.bool else "long"
        value = Tensor(Shape(tuple(int(d) for d in tensor.shape)), kind, parameter=isinstance(tensor, torch.nn.Parameter))
        self.values[id(tensor)] = value
        self.alive.append(tensor)
        return value

    def _plain(self, obj: object, depth: int) -> Value:
        """A plain attribute value: constants, tuples, lists and dicts of them, tensors, functions and
        classes (the user's from source, torch's by name), config objects as instances."""
        if obj is None or type(obj) in (bool, int, float, str):
            return obj
        if depth > _MAX_DEPTH:
            return Unknown("a value nested too deep")
        if isinstance(obj, torch.Tensor):
            return self.tensor(obj)
        if isinstance(obj, torch.nn.Module):
            return self.module(obj, ("<from_torch>", 0))
        if type(obj) is tuple:
            return tuple(self._plain(v, depth + 1) for v in obj)
        if type(obj) is list:
            return ListValue([self._plain(v, depth + 1) for v in obj])
        if type(obj) is dict and all(type(k) in (int, str) for k in obj):
            return DictValue({k: self._plain(v, depth + 1) for k, v in obj.items()})
        if isinstance(obj, types.FunctionType) and _is_users(obj):
            return self.function_value(obj)
        if isinstance(obj, type) and _is_users(obj):
            return self.class_value(obj) or Unknown(f"class {obj.__name__} without source")
        name = _torch_name(obj)
        if name is not None:
            return External(name)
        if _is_users(type(obj)) and hasattr(obj, "__dict__"):
            return self._object(obj, depth)
        return Unknown(f"a {type(obj).__name__} value")

    def _object(self, obj: object, depth: int) -> Value:
        """A config object (a dataclass, a plain class of the user's) as an instance with its live attributes."""
        known = self.values.get(id(obj))
        if known is not None:
            return known
        cls = self.class_value(type(obj))
        if cls is None:
            return Unknown(f"a {type(obj).__name__} without source")
        value = Instance(cls, cls.node.lineno)
        self.values[id(obj)] = value
        self.alive.append(obj)
        for key, item in vars(obj).items():
            value.attrs[key] = self._plain(item, depth + 1)
        return value

    # -- where attributes are set ----------------------------------------------------------------
    def _attribute_lines(self, cls: ClassValue) -> dict[str, int]:
        """The line of ``self.NAME = ...`` (or ``self.add_module("NAME", ...)``) for each attribute the
        class and its bases set, the first one in source order."""
        key = id(cls.node)
        if key not in self.lines:
            lines: dict[str, int] = {}
            for owner in reversed(cls.mro()):
                for name, line in _assignments(owner.node):
                    lines.setdefault(name, line)
            self.lines[key] = lines
        return self.lines[key]


def _container(mod: torch.nn.Module) -> str | None:
    """``Sequential``, ``ModuleList`` or ``ModuleDict`` (or a subclass without a forward of its own);
    None for other modules (a subclass with its own forward is an instance of its class)."""
    for kind, forward in ((torch.nn.Sequential, torch.nn.Sequential.forward), (torch.nn.ModuleList, torch.nn.Module.forward), (torch.nn.ModuleDict, torch.nn.Module.forward)):
        if isinstance(mod, kind) and type(mod).forward is forward:
            return kind.__name__
    return None


def _assignments(node: ast.ClassDef) -> Iterator[tuple[str, int]]:
    for method in node.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
            continue
        me = method.args.args[0].arg
        for sub in ast.walk(method):
            if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) and isinstance(sub.value, ast.Name) and sub.value.id == me:
                yield sub.attr, sub.lineno
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in ("add_module", "register_module", "register_buffer", "register_parameter"):
                if sub.args and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
                    yield sub.args[0].value, sub.lineno


def _definition(tree: ast.Module, cls: type) -> ast.ClassDef | None:
    """The ``class`` statement of ``cls`` in its file's tree, found by its qualified name (the last
    definition of that name, or the one whose methods start at the lines of ``cls``'s)."""
    scopes: list[ast.AST] = [tree]
    parts = [p for p in cls.__qualname__.split(".") if p != "<locals>"]
    for i, part in enumerate(parts):
        found = [d for scope in scopes for d in _definitions(scope) if d.name == part]
        if not found:
            return None
        if i == len(parts) - 1:
            classes = [d for d in found if isinstance(d, ast.ClassDef)]
            lines = {fn.__code__.co_firstlineno for fn in vars(cls).values() if isinstance(fn, types.FunctionType)}
            exact = [d for d in classes if lines & {_first_line(m) for m in d.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}]
            best = exact or classes
            return best[-1] if best else None
        scopes = list(found)
    return None


def _definitions(scope: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """The functions and classes defined directly in ``scope`` (inside its ``if``/``try``/``with`` blocks too)."""
    todo = list(getattr(scope, "body", []))
    while todo:
        stmt = todo.pop(0)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield stmt
        elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            todo.extend([*stmt.body, *getattr(stmt, "orelse", []), *getattr(stmt, "finalbody", [])])
            for handler in getattr(stmt, "handlers", []):
                todo.extend(handler.body)


def _rewritten_by_pytest(namespace: dict[str, Any]) -> bool:
    """Whether the module was imported through pytest's assertion rewriting (a test file)."""
    loader = type(namespace.get("__loader__"))
    return loader.__name__ == "AssertionRewritingHook" and loader.__module__ == "_pytest.assertion.rewrite"


def _compiled(text: str, path: str, rewritten: bool = False) -> dict[tuple[str, int], types.CodeType]:
    """The code objects ``text`` compiles to (functions, methods, nested ones), by name and first line;
    with ``rewritten``, as pytest compiles a test file (its asserts rewritten)."""
    out: dict[tuple[str, int], types.CodeType] = {}
    tree = ast.parse(text, path)
    if rewritten:
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, text.encode(), path)
    todo = [compile(tree, path, "exec", dont_inherit=True)]
    while todo:
        code = todo.pop()
        out[(code.co_name, code.co_firstlineno)] = code
        todo.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return out


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """The same bytecode, names and constants (nested functions compared the same way)."""
    if a.co_code != b.co_code or a.co_names != b.co_names or len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _source_file(obj: object) -> str | None:
    """The file ``obj`` was defined in (for a class whose module is gone, as a file run with ``exec``
    leaves it, ``None``: the file of one of its methods says)."""
    try:
        return inspect.getsourcefile(obj) if obj is not None else None  # type: ignore[arg-type]
    except (TypeError, OSError):
        return None


def _is_users(obj: object) -> bool:
    """Whether a class or function is the user's (not of a package the interpreter knows by name)."""
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] not in MODELED


def _importable(obj: object) -> bool:
    """What a file's import binds that the interpreter takes from the live module: functions, classes
    and constants (not modules, objects or tensors: a file's top level states how it builds those)."""
    if isinstance(obj, (types.FunctionType, type)):
        return True
    if isinstance(obj, (tuple, list)):
        return all(_importable(item) for item in obj)
    return obj is None or type(obj) in (bool, int, float, str)


def _torch_name(obj: object) -> str | None:
    """The dotted name of a torch function or class (``F.gelu`` is ``torch.nn.functional.gelu``)."""
    name = getattr(obj, "__name__", None)
    if not isinstance(name, str) or not callable(obj):
        return None
    if isinstance(obj, type) and obj.__module__.startswith("torch."):
        return f"{obj.__module__}.{obj.__qualname__}"
    for prefix, namespace in (("torch.nn.functional", torch.nn.functional), ("torch", torch)):
        if getattr(namespace, name, None) is obj:
            return f"{prefix}.{name}"
    return None


def _cell(cell: Any) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return Unknown("a name not yet bound")
