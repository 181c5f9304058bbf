"""The layer base class, ``Input`` and ``Sequential``: a chain checked as it is built.

Walks that only visit the tree (counting, printing) use an explicit stack, so any nesting depth works;
the shape walk recurses through containers (each rule is a method) and stops with a clear error at the
depth Python's recursion limit allows, ~990 with the default limit (torch's own forward stops at ~250).
"""

from __future__ import annotations

import inspect
import sys
from math import prod
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Final, Literal, cast, overload

from shapecheck.checker import Checker, describe_condition
from shapecheck.dims import Condition, Dim, DimLike, parse_conditions, symbols_of
from shapecheck.errors import RuleError, ShapeError
from shapecheck.nn._args import check_int
from shapecheck.nn._names import MODULE_ATTRIBUTES, items_of
from shapecheck.shape import Shape
from shapecheck.trace import Call, Location, Step, Tracer, caller_sites

if TYPE_CHECKING:
    from shapecheck.guards import Contract

__all__ = ["Input", "Module", "Sequential", "Weight"]

_SEQUENTIAL_ATTRIBUTES: Final = MODULE_ATTRIBUTES | {"append", "extend", "insert", "pop"}


Takes = Literal["Float", "Int", "same", "any", None]
"""What a layer does with its input's dtype; see :attr:`Module.takes`."""


class Weight:
    """A layer's weight parameter as ``layer.weight`` gives it: its shape and the layer that owns it.

    Assigning one ties the two layers as torch does (``lm_head.weight = wte.weight``): one tensor, counted once.
    """

    __slots__ = ("owner", "shape")

    def __init__(self, owner: Module, shape: tuple[int, ...]) -> None:
        self.owner = owner
        self.shape = shape

    def numel(self) -> int:
        return prod(self.shape)

    def __repr__(self) -> str:
        return f"Weight{self.shape} of {self.owner!r}"


class Module:
    """Base of every ``shapecheck.nn`` layer: a shape rule plus its parameter and MAC counts.

    A leaf layer implements :meth:`infer` (input shape -> output shape, raising ``RuleError``);
    containers implement :meth:`trace`. ``where`` is the file and line that constructed it.
    ``tied`` is the layer whose weight this one uses (see :class:`Weight`).
    """

    where: Location | None
    called: Call | None = None
    tied: Module | None = None
    takes: ClassVar[Takes] = None
    """The dtypes its input may have, as torch runs it: a jaxtyping kind it requires (``"Float"``, ``"Int"``),
    ``"same"`` (any, kept: ``ReLU``, ``Flatten``), ``"any"`` (any, not kept: ``Arange``), None (not known)."""

    def __init__(self) -> None:
        self.where, self.called = caller_sites()

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """The layer's own learnable tensors, name -> shape, in torch's names and order
        (``named_parameters(recurse=False)``); its children hold theirs."""
        return {}

    def buffer_shapes(self) -> dict[str, tuple[int, ...]]:
        """The layer's own non-learnable tensors as :meth:`parameter_shapes` (``named_buffers(recurse=False)``)."""
        return {}

    @property
    def weight(self) -> Weight:
        shape = self.parameter_shapes().get("weight")
        if shape is None:
            raise AttributeError(f"{type(self).__name__} has no weight to share")
        return Weight(self.tied or self, shape)

    @weight.setter
    def weight(self, value: Weight) -> None:
        """Tie this layer's weight to another's (``lm_head.weight = wte.weight``); the shapes must be equal."""
        shape = self.parameter_shapes().get("weight")
        if not isinstance(value, Weight):
            raise TypeError(f"{type(self).__name__}.weight can only be another layer's weight (layer.weight), got {value!r}")
        if shape is None:
            raise AttributeError(f"{type(self).__name__} has no weight to share")
        if value.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.weight has shape {shape}; {type(value.owner).__name__}.weight has shape {value.shape}"
            )
        self.tied = None if value.owner is self else value.owner

    def infer(self, x: Shape, check: Checker) -> Shape:
        """The output shape for input ``x``; rules call ``check`` for what must hold."""
        raise NotImplementedError

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        return tracer.leaf(self, x, path)

    def children(self) -> list[tuple[str, Module]]:
        return []

    def parameter_count(self) -> int:
        """Elements of the learnable parameters, as ``sum(p.numel() for p in m.parameters())``: the product of each
        shape of :meth:`parameter_shapes`, summed over the tree."""
        return _tree_total(self, "parameter")

    def buffer_count(self) -> int:
        """Elements of non-learnable state (BatchNorm running statistics), from :meth:`buffer_shapes` as above."""
        return _tree_total(self, "buffer")

    def macs(self, x: Shape, y: Shape) -> Dim:
        """Multiply-accumulates of one forward pass (torchvision's convention: no bias)."""
        return 0

    def bias_macs(self, x: Shape, y: Shape) -> Dim:
        """The additions of a bias (torchinfo counts them as MACs too)."""
        return 0

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        """How output dim ``index`` follows from ``x`` (the formula with numbers filled in)."""
        return None

    def explain_params(self) -> str | None:
        """The layer's own parameters as the sum of their shapes' products, ``64*3*7*7 + 64`` (a Conv2d's
        weight and bias); None without any."""
        shapes = self.parameter_shapes().values()
        return " + ".join("*".join(map(str, s)) or "1" for s in shapes) or None

    def extra_repr(self) -> str:
        return ""

    def listing(self) -> tuple[str, list[tuple[str, Module]]] | None:
        """A container that prints as torch's do: its first line (``Sequential(``) and its ``(name): child``
        lines; None for a layer printed on one line, ``Name(extra_repr)``."""
        return None

    def __repr__(self) -> str:
        if type(self).listing is Module.listing:  # a layer: no call to ask (summaries print every layer)
            return f"{type(self).__name__}({self.extra_repr()})"
        return _render(self)


def arguments_of(layer: Module) -> dict[str, object]:
    """The arguments that construct ``layer`` again, read from its attributes of the same names (every layer
    keeps torch's arguments under torch's names); ``device``/``dtype`` left out. TypeError names one it does not keep."""
    out: dict[str, object] = {}
    for p in list(inspect.signature(type(layer).__init__).parameters.values())[1:]:
        if p.name in ("device", "dtype") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if hasattr(layer, p.name):
            out[p.name] = getattr(layer, p.name)
        elif p.default is p.empty:
            raise TypeError(f"{type(layer).__name__} does not keep its argument {p.name}")
    return out


def _tree_total(root: Module, kind: str) -> int:
    """The elements of ``kind`` (``"parameter"`` or ``"buffer"``) of ``root``'s tree, walked without recursion:
    each node's own shapes (``parameter_shapes``) and its children's, except that a node overriding the count
    (``parameter_count``) has that. As torch's ``parameters()``, a layer used twice counts once, and a weight
    tied to a layer of the tree (``tied``) once."""
    count, shapes = f"{kind}_count", f"{kind}_shapes"
    if not root.children():  # a layer: its own tensors (a tie is to another layer, counted there)
        return sum(map(prod, getattr(root, shapes)().values()))
    default = getattr(Module, count)
    total, stack, seen, tied = 0, [root], set(), []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(type(node), count) is not default:
            total += getattr(node, count)()
            continue
        for shape in getattr(node, shapes)().values():
            total += prod(shape)
        stack += [child for _, child in node.children()]
        if node.tied is not None:
            tied.append(node)
    return total - (sum(n.weight.numel() for n in tied if id(n.tied) in seen) if kind == "parameter" else 0)


def distinct_layers(root: Module) -> list[Module]:
    """Every module of ``root``'s tree once (``root`` included), walked without recursion."""
    out, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            out.append(node)
            stack.extend(child for _, child in node.children())
    return out


def _render(root: Module) -> str:
    """``repr(root)`` as torch prints a tree (two spaces per level), without recursion through :meth:`Module.listing`."""
    lines: list[str] = []
    stack: list[tuple[Module | str, str, str]] = [(root, "", "")]
    while stack:
        item, indent, label = stack.pop()
        listing = None if isinstance(item, str) else item.listing()
        if listing is None:
            lines.append(indent + label + str(item).replace("\n", "\n" + indent))
            continue
        head, children = listing
        lines.append(indent + label + head)
        stack.append((")", indent, ""))
        stack.extend((child, indent + "  ", f"({name}): ") for name, child in reversed(children))
    return "\n".join(lines)


def nesting(model: Module) -> int:
    """How many containers deep ``model``'s deepest layer sits (0 for a layer), counted without recursion."""
    deepest, stack = 0, [(model, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for _, child in node.children())
    return deepest


class Input(Module):
    """Declares the shape entering a chain, batch dim included: ``Input("B", 3, 224, 224)``.

    Ints are exact sizes, names are symbols that hold for every value (``B``, ``H``), expressions of
    names constrain them (``"16*h"``: a multiple of 16; ``"2*n + 1"``: odd). ``where`` declares bounds
    (``where="T <= 1024"``, or several: ``where=("H >= 64", "W >= 64")``), taken as given by the checks
    and kept in the model's input conditions. Inside a chain it asserts the shape at that point.
    """

    def __init__(self, *dims: DimLike, where: str | Sequence[str] = ()) -> None:
        super().__init__()
        if not dims:
            raise TypeError("Input needs at least one dim, e.g. Input('B', 3, 224, 224)")
        for i, d in enumerate(dims):
            if isinstance(d, bool) or not isinstance(d, (int, str)) and not hasattr(d, "terms"):
                raise TypeError(f"Input: dim {i} must be an int or a symbol name such as 'B', got {d!r}")
        self.shape = Shape(dims)
        for i, size in enumerate(self.shape):
            if isinstance(size, int):  # given as an int or as a string without symbols ("-1")
                check_int("Input", f"dim {i}", size)
        self.bounds = _bounds(where, self.shape)

    def infer(self, x: Shape, check: Checker) -> Shape:
        if x.prefix and not x.dims:
            check.assume(self.bounds)
            return self.shape
        if x.rank is not None and x.rank != len(self.shape):
            raise RuleError(f"expected a {len(self.shape)}D input {self.shape}, got a {x.rank}D input {x}", kind="rank")
        offset = len(x) - len(self.shape)
        for i, want in enumerate(self.shape):
            j = i + offset
            if j >= 0:
                check.equal(x[j], want, "dim {}: expected {}, got {}", j, want, x[j], index=j)
        return self.shape

    def extra_repr(self) -> str:
        dims = ", ".join(repr(d) if isinstance(d, int) else repr(str(d)) for d in self.shape)
        if not self.bounds:
            return dims
        texts = [describe_condition(e, b) for e, b in self.bounds]
        return f"{dims}, where={texts[0]!r}" if len(texts) == 1 else f"{dims}, where={tuple(texts)!r}"


def _bounds(where: str | Sequence[str], shape: Shape) -> tuple[Condition, ...]:
    """``Input``'s ``where``, checked: each bound parses, names only the input's symbols, and some size meets them all."""
    texts = [where] if isinstance(where, str) else where
    if not isinstance(texts, Sequence) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"Input: where must be a bound such as 'T <= 1024' or a tuple of them, got {where!r}")
    names = {s.name for d in shape for s in symbols_of(d)}
    out: list[Condition] = []
    for text in texts:
        for e, b in parse_conditions(text):
            stray = sorted(s.name for s in symbols_of(e) if s.name not in names)
            if stray:
                raise ValueError(f"Input: the bound {text!r} names {', '.join(stray)}, not a symbol of the input {shape}")
            out.append((e, b))
    check = Checker()
    check.assume(out)
    for name, most in check.upper.items():
        if check.lower.get(name, 1) > most:
            raise ValueError(f"Input: the bounds {', '.join(map(repr, texts))} leave no size for {name}")
    return tuple(out)


class Sequential(Module):
    """Layers applied in order, like ``torch.nn.Sequential``; checked as it is constructed.

    ``Sequential(Input("B", 3, 32, 32), Conv2d(3, 64, 3), ...)`` infers every layer's output and
    raises :class:`shapecheck.ShapeError` at the first mismatch. Without an ``Input`` it checks
    what neighbours imply (channels, features); :meth:`with_input` checks it fully later.
    Children are numbered from 0 after the ``Input`` (as the torch model without it), or named
    by passing one mapping, as ``torch.nn.Sequential(OrderedDict(...))``.
    """

    input: Input | None
    steps: list[Step]
    input_shape: Shape
    output_shape: Shape
    conditions: list[str]
    requirements: list[Condition]

    def __init__(self, *args: Module | Mapping[str, Module]) -> None:
        super().__init__()
        named, items = items_of("Sequential", args, _SEQUENTIAL_ATTRIBUTES)
        self.input = None
        layers: list[tuple[str, Module]] = []
        for i, (name, layer) in enumerate(items):
            if not isinstance(layer, Module):
                raise TypeError(not_a_layer(f"Sequential: argument {i}", layer))
            if isinstance(layer, Input) and i == 0:
                self.input = layer
            else:
                layers.append((name if named else str(len(layers)), layer))
        self._layers = layers
        try:
            self._check()
        except ShapeError as err:
            raise err.with_traceback(None) from None

    def _check(self) -> None:
        start = Shape.unknown() if self.input is None else self.input.shape
        tracer, out = self.walk(start)
        self.steps = tracer.steps
        self.input_shape = start
        self.output_shape = out
        self.conditions = tracer.check.describe()
        self.requirements = tracer.check.conditions()

    def walk(self, start: Shape) -> tuple[Tracer, Shape]:
        """The chain walked from ``start``: the tracer (steps, conditions) and the output shape.

        Containers nested deeper than Python's recursion limit lets the walk go raise a ValueError.
        """
        tracer = Tracer(root=self)
        if self.input is not None:
            tracer.check.assume(self.input.bounds)
        try:
            return tracer, self.trace(start, tracer, "")
        except RecursionError:
            raise ValueError(
                f"{type(self).__name__}: its layers are nested {nesting(self)} containers deep, more than Python's "
                f"recursion limit ({sys.getrecursionlimit()}) lets shapecheck walk; nest less (Sequential(*inner, layer) "
                "puts inner's layers in line) or raise the limit with sys.setrecursionlimit"
            ) from None

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        for name, layer in self._layers:
            x = layer.trace(x, tracer, f"{path}.{name}" if path else name)
        return x

    def children(self) -> list[tuple[str, Module]]:
        return list(self._layers)

    def contract(self) -> Contract:
        """The proven contract as jaxtyping annotations: ``Float[Tensor, "B 3 224 224"] -> Float[Tensor, "B 1000"]``."""
        from shapecheck.guards import contract

        return contract(self)

    def with_input(self, *dims: DimLike | Sequence[DimLike], where: str | Sequence[str] = ()) -> Sequential:
        """This chain checked on an input of the given shape: ``model.with_input("B", 3, 224, 224)``, or the
        shape as one tuple as ``from_torch`` takes it (``where`` as :class:`Input`'s)."""
        given = cast("tuple[DimLike, ...]", tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)
        model = Sequential.__new__(Sequential)
        model.where = self.where
        model.input = Input(*given, where=where)
        model._layers = self._layers
        try:
            model._check()
        except ShapeError as err:
            raise err.with_traceback(None) from None
        return model

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return (layer for _, layer in self._layers)

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: str) -> Module: ...
    def __getitem__(self, index: int | str) -> Module:
        if isinstance(index, str):
            for name, layer in self._layers:
                if name == index:
                    return layer
            raise KeyError(index)
        return self._layers[index][1]

    def listing(self) -> tuple[str, list[tuple[str, Module]]]:
        head: list[tuple[str, Module]] = [] if self.input is None else [("input", self.input)]
        return f"{type(self).__name__}(", head + self._layers


def not_a_layer(what: str, value: object) -> str:
    """Why ``value`` (given as ``what``: ``"Sequential: argument 2"``) is refused where a layer belongs."""
    kind = type(value)
    if isinstance(value, Mapping):
        return f"{what} is a mapping; layers given by name are one mapping, the only positional argument"
    if kind.__module__.startswith("torch"):
        return (
            f"{what} is a torch module ({kind.__name__}); "
            "use the same class from shapecheck.nn, or shapecheck.from_torch for a whole torch model"
        )
    return f"{what} must be a shapecheck.nn layer, got {kind.__name__} {value!r}"
