"""Contracts and guards: a verified model's input and output shapes, checked on real tensors at call time.

A chain checked at construction is correct for every input of its declared shape that meets its
input conditions. So a guard checks only that: each argument's rank and sizes, one value per symbol
across all arguments (``B`` is the same in ``x`` and ``mask``), the input conditions under those
values (``H >= 32``) and, where declared, the dtype. Checking the output is an opt-in debug mode.

The check reads ``tensor.shape`` and ``tensor.dtype`` directly (torch or numpy arrays alike) and
imports neither; :meth:`Contract.jaxtyping` gives the same contract as jaxtyping annotations
(``Float[Tensor, "B 3 224 224"]``) for ``typeguard.check_type``, which rejects the same mistakes at
about 13 times the cost per call (``bench/bench_guard.py``).
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

from shapecheck.binding import Arguments, signature_of
from shapecheck.checker import oriented
from shapecheck.dims import Condition, Dim, DimLike, Expr, Symbol, evaluate, substitute, symbols_of
from shapecheck.dtypes import KINDS, annotation, dtype_name
from shapecheck.errors import ShapeError
from shapecheck.nn.input_dtype import input_kind
from shapecheck.nn.module import Module, Sequential
from shapecheck.shape import Shape

__all__ = ["Contract", "Guard", "contract", "guard"]

F = TypeVar("F", bound=Callable[..., Any])

ShapeLike = Union[Shape, Sequence[DimLike]]

_CASTS = {"Float": ".float()", "Int": ".long()"}
"""The cast a guard suggests for a tensor of the wrong dtype kind: ``x.float()``, ``x.long()`` (torch's methods)."""


def _spec(dims: Sequence[Dim | str]) -> str:
    """A shape as jaxtyping writes it: ``"B 3 (H+31)//32"`` (no spaces inside a dim)."""
    return " ".join(str(d).replace(" ", "") for d in dims)


def _evaluable(dims: Sequence[Dim], named: set[str]) -> list[Dim | str]:
    """``dims`` as jaxtyping can check them: it evaluates an expression (``16*h``) only once a plain dim
    before it has bound every name in it, so other expressions become ``_`` (unchecked). Adds to ``named``."""
    out: list[Dim | str] = []
    for d in dims:
        names = {s.name for s in symbols_of(d)}
        if _plain(d) is not None:
            named |= names
        out.append(d if names <= named else "_")
    return out


def _plain(d: Dim) -> str | None:
    """The symbol's name when ``d`` is a lone symbol (``B``), else None."""
    if isinstance(d, int) or d.const or len(d.terms) != 1 or d.terms[0][1] != 1 or len(d.terms[0][0]) != 1:
        return None
    atom = d.terms[0][0][0]
    return atom.name if isinstance(atom, Symbol) else None


@dataclass(frozen=True)
class Contract:
    """What a verified model promises: the shapes (and dtype kinds) of its inputs and its output.

    ``str(contract)`` reads ``Float[Tensor, "B 3 224 224"] -> Float[Tensor, "B 1000"]``;
    ``conditions`` are the input conditions as ``(expr, bound)``, meaning ``expr >= bound``.
    """

    inputs: Mapping[str, Shape]
    output: Shape | None
    dtypes: Mapping[str, str] = field(default_factory=dict)
    conditions: Sequence[Condition] = ()

    def __str__(self) -> str:
        args = ", ".join(self._annotation(n, s) for n, s in self.inputs.items())
        if len(self.inputs) > 1:
            args = f"({args})"
        out = "" if self.output is None else f" -> {self._annotation('return', self.output)}"
        return args + out

    def _annotation(self, name: str, shape: Shape) -> str:
        return f'{self.dtypes.get(name, "Float")}[Tensor, "{_spec(shape.dims)}"]'

    def jaxtyping(self, array_type: Any = None) -> dict[str, Any]:
        """The contract as jaxtyping annotations, by argument name and ``"return"``; ``array_type``
        defaults to ``torch.Tensor`` (pass ``numpy.ndarray`` for arrays). Imports jaxtyping.
        """
        # imported by name: mypy, reading this module for a user's model, would otherwise analyse torch
        jaxtyping = importlib.import_module("jaxtyping")
        if array_type is None:
            array_type = importlib.import_module("torch").Tensor
        shapes = dict(self.inputs)
        if self.output is not None:
            shapes["return"] = self.output
        named: set[str] = set()
        out = {}
        for n, s in shapes.items():
            out[n] = getattr(jaxtyping, self.dtypes.get(n, "Float"))[array_type, _spec(_evaluable(s.dims, named))]
        return out


def contract(model: Module | Mapping[str, ShapeLike], *, dtype: str | Mapping[str, str] | None = None) -> Contract:
    """The contract of a checked chain (``Sequential`` with an ``Input``), or of shapes by argument name.

    ``contract(model)`` has one input ``x``; ``contract({"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W"),
    "return": ("B", 10)})`` declares several. ``dtype`` is a jaxtyping kind (``"Float"``, ``"Int"``,
    ``"Bool"``, ...), class (``"Float32"``) or a dtype name (``"float32"``), for every argument or by name.
    """
    return _contract(model, dtype, "contract")


def _contract(model: object, dtype: object, what: str) -> Contract:
    if isinstance(model, Module):
        if not isinstance(model, Sequential) or model.input is None:
            raise ValueError(
                f"{what} needs a checked chain with an input: Sequential(Input('B', 3, 224, 224), ...) "
                "or model.with_input('B', 3, 224, 224)"
            )
        tracer, _ = model.walk(model.input_shape)
        inputs: dict[str, Shape] = {"x": model.input_shape}
        output: Shape | None = model.output_shape if model.output_shape.known else None
        conditions = tracer.check.conditions()
    elif isinstance(model, Mapping):
        shapes = {n: _shape(n, s, what) for n, s in model.items()}
        output = shapes.pop("return", None)
        inputs, conditions = shapes, []
    else:
        raise TypeError(
            f"{what}: model must be a checked shapecheck model (Sequential with an Input), a Contract, or shapes by "
            f"argument name such as {{'x': ('B', 3, 224, 224)}}; got {type(model).__name__} {model!r}"
        )
    names = [*inputs, "return"]
    if dtype is None or isinstance(dtype, Mapping):
        given = dict(dtype or {})
        if isinstance(model, Module) and "x" not in given:
            given["x"] = input_kind(model) or "Shaped"
    elif isinstance(dtype, str):
        given = {n: dtype for n in names}
    else:
        raise TypeError(f"{what}: dtype must be a name such as 'Float', or names by argument; got {type(dtype).__name__} {dtype!r}")
    for n in given:
        if n not in names:
            raise ValueError(f"{what}: dtype for {n!r}, which is not an argument ({', '.join(inputs)})")
    return Contract(inputs, output, {n: annotation(k, what) for n, k in given.items()}, conditions)


def _shape(name: object, value: object, what: str) -> Shape:
    if isinstance(value, Shape):
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{what}: the shape of {name!r} must be a tuple of dims such as ('B', 3, 224, 224), got {value!r}")
    return Shape(value)


# -- checking --------------------------------------------------------------------------------------


_Entry = tuple[int, Union[int, str, Expr]]
"""How one dim is checked: ``(0, size)`` an exact int, ``(1, name)`` a symbol, ``(2, expr)`` an expression."""


def _compile(shape: Shape) -> tuple[_Entry, ...]:
    out: list[_Entry] = []
    for d in shape:
        if isinstance(d, int):
            out.append((0, d))
        elif _plain(d) is not None:
            out.append((1, str(d)))
        else:
            out.append((2, d))
    return tuple(out)


class Guard:
    """Checks the arguments of calls against a :class:`Contract`; a decorator and a wrapper.

    ``@guard(model)`` on ``def predict(x)``, or ``guard(model, torch_model)`` for a callable. ``check``
    returns the bindings (``{"B": 4, "H": 32}``); a mismatch raises :class:`shapecheck.ShapeError`
    naming the argument, expected and actual shapes and the bindings so far. ``output=True`` also
    checks the return value (a debug mode: the proof already covers it).
    """

    def __init__(self, spec: Contract, *, output: bool = False, name: str = "guard") -> None:
        if not isinstance(spec, Contract):
            raise TypeError(f"Guard: spec must be a Contract (shapecheck.contract(model)), got {type(spec).__name__} {spec!r}")
        if not isinstance(output, bool):
            raise TypeError(f"{name}: output must be a bool, got {type(output).__name__} {output!r}")
        self.contract = spec
        self.output = output
        self.name = name
        self._inputs = tuple((n, _compile(s), s) for n, s in spec.inputs.items())
        self._output = None if spec.output is None else _compile(spec.output)
        kinds = {n: KINDS[annotation(k, name)] for n, k in spec.dtypes.items()}
        self._dtypes = {n: k for n, k in kinds.items() if k is not None}
        known = {s.name for shape in spec.inputs.values() for d in shape for s in symbols_of(d)}
        self._conditions = [(e, b) for e, b in spec.conditions if {s.name for s in symbols_of(e)} <= known]
        self._arguments = Arguments(None, list(spec.inputs), name)

    def check(self, *args: Any, **kwargs: Any) -> dict[str, int]:
        """Checks the tensors given by position (in the contract's order) or by name; returns the bindings."""
        bound: dict[str, int] = {}
        for (name, entries, shape), value in zip(self._inputs, self._arguments.values(args, kwargs)):
            self._check_one(name, value, entries, shape, bound)
        self._check_conditions(bound)
        return bound

    def check_output(self, value: Any, bound: Mapping[str, int]) -> None:
        if self._output is not None:
            assert self.contract.output is not None
            self._check_one("return", value, self._output, self.contract.output, dict(bound))

    def _check_one(self, name: str, value: Any, entries: tuple[_Entry, ...], shape: Shape, bound: dict[str, int]) -> None:
        actual: Any = getattr(value, "shape", None)
        if actual is None:
            self._fail(f"argument {name} is a {type(value).__name__}, not a tensor", name, str(shape), type(value).__name__, bound, "type")
        if len(actual) != len(entries):
            self._fail(
                f"argument {name} has {len(actual)} dims, expected {len(entries)}",
                name,
                str(shape),
                _text(actual),
                bound,
                "rank",
            )
        for i, (how, want) in enumerate(entries):
            got = actual[i]
            if how == 0:
                if got != want:
                    self._fail(f"argument {name}: dim {i} is {got}, expected {want}", name, str(shape), _text(actual), bound, "shape")
            elif how == 1:
                assert isinstance(want, str)
                have = bound.setdefault(want, int(got))
                if have != got:
                    self._fail(
                        f"argument {name}: dim {i} is {got}, but {want}={have} from an earlier dim",
                        name,
                        str(shape),
                        _text(actual),
                        bound,
                        "shape",
                    )
            else:
                assert isinstance(want, Expr)
                problem = _match(want, int(got), bound)
                if problem is not None:
                    self._fail(f"argument {name}: dim {i} is {got}, expected {want}{problem}", name, str(shape), _text(actual), bound, "shape")
        kinds = self._dtypes.get(name)
        if kinds is not None:
            dtype = dtype_name(getattr(value, "dtype", None))
            if dtype not in kinds:
                want = self.contract.dtypes[name]
                fix = _CASTS.get(want)
                problem = f"argument {name} has dtype {dtype}, expected {want}"
                self._fail(problem, name, want, dtype, bound, "dtype", [f"{name}{fix}"] if fix else [])

    def _fail(
        self, problem: str, name: str, expected: str, actual: str, bound: Mapping[str, int], kind: str, fixes: Sequence[str] = ()
    ) -> Any:
        bindings = ", ".join(f"{k}={v}" for k, v in bound.items())
        raise ShapeError(
            problem + (f" (bindings: {bindings})" if bindings else ""),
            layer=f"{self.name}: argument {name}" if name != "input" else f"{self.name}: inputs",
            expected=expected,
            actual=actual,
            kind=kind,
            fixes=list(fixes),
        )

    def __call__(self, fn: F) -> F:
        """``@guard(model)``: the decorated function's arguments are checked before each call, bound to its
        parameters as Python binds them: by the contract's names if the function has them, else in order."""
        return self.wrap(fn)  # type: ignore[return-value]

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` checked before each call (a function keeps its name and docstring; a torch module is bound by its ``forward``)."""
        if not callable(fn):
            raise TypeError(f"{self.name}: fn must be a function or a torch module, got {type(fn).__name__} {fn!r}")
        owner = getattr(fn, "__qualname__", type(fn).__name__)
        guard = Guard(self.contract, output=self.output, name=owner)
        arguments = Arguments(signature_of(fn), [n for n, _, _ in guard._inputs], owner)
        bind, least, most = arguments.bind, arguments.least, arguments.most
        check_one = guard._check_one
        conditions = guard._conditions
        inputs = guard._inputs
        by_position = [(*entry, at) for entry, at in zip(inputs, arguments.positions)]
        debug = self.output

        def guarded(*args: Any, **kwargs: Any) -> Any:
            bound: dict[str, int] = {}
            try:
                if not kwargs and least <= len(args) <= most:  # the usual call: every input by position
                    for name, entries, shape, at in by_position:
                        check_one(name, args[at], entries, shape, bound)
                else:
                    for (name, entries, shape), value in zip(inputs, bind(args, kwargs)):
                        check_one(name, value, entries, shape, bound)
                if conditions:
                    guard._check_conditions(bound)
            except (ShapeError, TypeError) as err:  # the caller's line, not the guard's internals, ends the traceback
                raise err.with_traceback(None) from None
            out = fn(*args, **kwargs)
            if debug:
                try:
                    guard.check_output(out, bound)
                except ShapeError as err:
                    raise err.with_traceback(None) from None
            return out

        if inspect.isfunction(fn) or inspect.ismethod(fn):
            guarded = functools.wraps(fn)(guarded)
        guarded.__shapecheck_contract__ = self.contract  # type: ignore[attr-defined]
        return guarded

    def _check_conditions(self, bound: dict[str, int]) -> None:
        for expr, least in self._conditions:
            if not all(s.name in bound for s in symbols_of(expr)):
                continue  # a symbol only an expression of two unbound symbols holds: nothing to check
            if evaluate(expr, bound) < least:
                left, op, right = oriented(expr, least)
                value = evaluate(left, bound)
                self._fail(
                    f"the inputs break the model's input condition {left} {op} {right} ({left} is {value})",
                    "input",
                    f"{left} {op} {right}",
                    str(value),
                    bound,
                    "size",
                )


def _match(want: Expr, got: int, bound: dict[str, int]) -> str | None:
    """Whether size ``got`` fits the dim expression ``want``: None if it does (binding the one symbol it
    solves for, ``h = 32/16`` in ``16*h``), else why not. An expression of two unbound symbols is not checked."""
    rest = substitute(want, bound)
    if isinstance(rest, int):
        return None if rest == got else f" = {rest}"
    free = rest.symbols()
    if len(free) != 1 or len(rest.terms) != 1 or rest.terms[0][0] != (next(iter(free)),):
        return None  # not linear in one symbol: nothing to compare
    symbol, k = next(iter(free)).name, rest.terms[0][1]
    value, remainder = divmod(got - rest.const, k)
    if remainder or value < 1:
        return f", which is {got} for no whole {symbol} >= 1"
    bound[symbol] = value
    return None


def _text(shape: Any) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def guard(
    model: Module | Mapping[str, ShapeLike] | Contract,
    fn: Callable[..., Any] | None = None,
    *,
    output: bool = False,
    dtype: str | Mapping[str, str] | None = None,
) -> Any:
    """A :class:`Guard` for ``model``'s contract (decorator: ``@shapecheck.guard(model)``), or, given
    ``fn`` (a function or a torch module), ``fn`` wrapped so that each call is checked first.
    """
    spec = model if isinstance(model, Contract) else _contract(model, dtype, "guard")
    checker = Guard(spec, output=output)
    return checker if fn is None else checker.wrap(fn)
