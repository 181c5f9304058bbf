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
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

from shapecheck.dims import Condition, Dim, DimLike, Expr, evaluate, symbols_of
from shapecheck.errors import ShapeError
from shapecheck.nn.module import Module, Sequential
from shapecheck.shape import Shape

__all__ = ["Contract", "Guard", "contract", "guard"]

F = TypeVar("F", bound=Callable[..., Any])

ShapeLike = Union[Shape, Sequence[DimLike]]

_KINDS: dict[str, frozenset[str]] = {
    "Float": frozenset({"float16", "bfloat16", "float32", "float64"}),
    "Int": frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}),
    "Bool": frozenset({"bool"}),
}
"""jaxtyping's dtype kinds, by the name a dtype prints as (``torch.float32`` and numpy ``float32``)."""


def _dtype_name(dtype: object) -> str:
    return str(dtype).rpartition(".")[2]


def _spec(dims: Sequence[Dim]) -> str:
    """A shape as jaxtyping writes it: ``"B 3 (H+31)//32"`` (no spaces inside a dim)."""
    return " ".join(str(d).replace(" ", "") for d in dims)


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
        import jaxtyping

        if array_type is None:
            import torch

            array_type = torch.Tensor
        shapes = dict(self.inputs)
        if self.output is not None:
            shapes["return"] = self.output
        return {n: getattr(jaxtyping, self.dtypes.get(n, "Float"))[array_type, _spec(s.dims)] for n, s in shapes.items()}


def contract(model: Module | Mapping[str, ShapeLike], *, dtype: str | Mapping[str, str] | None = None) -> Contract:
    """The contract of a checked chain (``Sequential`` with an ``Input``), or of shapes by argument name.

    ``contract(model)`` has one input ``x``; ``contract({"x": ("B", 3, "H", "W"), "mask": ("B", "H", "W"),
    "return": ("B", 10)})`` declares several. ``dtype`` is a jaxtyping kind (``"Float"``, ``"Int"``,
    ``"Bool"``) or a dtype name (``"float32"``), for every argument or by name.
    """
    if isinstance(model, Module):
        if not isinstance(model, Sequential) or model.input is None:
            raise ValueError(
                "contract needs a checked chain with an input: Sequential(Input('B', 3, 224, 224), ...) "
                "or model.with_input('B', 3, 224, 224)"
            )
        tracer, _ = model.walk(model.input_shape)
        inputs: dict[str, Shape] = {"x": model.input_shape}
        output: Shape | None = model.output_shape if model.output_shape.known else None
        conditions = tracer.check.conditions()
    else:
        shapes = {n: s if isinstance(s, Shape) else Shape(s) for n, s in model.items()}
        output = shapes.pop("return", None)
        inputs, conditions = shapes, []
    names = [*inputs, "return"]
    kinds = {n: dtype for n in names} if isinstance(dtype, str) else dict(dtype or {})
    for n, kind in kinds.items():
        if n not in names:
            raise ValueError(f"contract: dtype for {n!r}, which is not an argument ({', '.join(inputs)})")
        if kind not in _KINDS and not kind.isidentifier():
            raise ValueError(f"contract: dtype must be Float, Int, Bool or a dtype name such as float32, got {kind!r}")
    return Contract(inputs, output, kinds, conditions)


# -- checking --------------------------------------------------------------------------------------


_Entry = tuple[int, Union[int, str, Expr]]
"""How one dim is checked: ``(0, size)`` an exact int, ``(1, name)`` a symbol, ``(2, expr)`` an expression."""


def _compile(shape: Shape) -> tuple[_Entry, ...]:
    out: list[_Entry] = []
    for d in shape:
        if isinstance(d, int):
            out.append((0, d))
        elif len(d.terms) == 1 and d.const == 0 and d.terms[0][1] == 1 and len(d.terms[0][0]) == 1 and str(d).isidentifier():
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
        self.contract = spec
        self.output = output
        self.name = name
        self._inputs = tuple((n, _compile(s), s) for n, s in spec.inputs.items())
        self._output = None if spec.output is None else _compile(spec.output)
        self._dtypes = {n: _KINDS.get(k, frozenset({k})) for n, k in spec.dtypes.items()}
        known = {s.name for shape in spec.inputs.values() for d in shape for s in symbols_of(d)}
        self._conditions = [(e, b) for e, b in spec.conditions if {s.name for s in symbols_of(e)} <= known]

    def check(self, *args: Any, **kwargs: Any) -> dict[str, int]:
        """Checks the tensors given by position (in the contract's order) or by name; returns the bindings."""
        bound: dict[str, int] = {}
        for i, (name, entries, shape) in enumerate(self._inputs):
            if i < len(args):
                value = args[i]
            elif name in kwargs:
                value = kwargs[name]
            else:
                raise TypeError(f"{self.name}: missing argument {name!r}")
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
                try:
                    expected = evaluate(want, bound)
                except KeyError:
                    continue  # a dim of an expression whose symbols no plain dim binds: nothing to compare
                if expected != got:
                    self._fail(
                        f"argument {name}: dim {i} is {got}, expected {want} = {expected}", name, str(shape), _text(actual), bound, "shape"
                    )
        kinds = self._dtypes.get(name)
        if kinds is not None:
            dtype = _dtype_name(getattr(value, "dtype", None))
            if dtype not in kinds:
                want = self.contract.dtypes[name]
                self._fail(f"argument {name} has dtype {dtype}, expected {want}", name, want, dtype, bound, "dtype")

    def _fail(self, problem: str, name: str, expected: str, actual: str, bound: Mapping[str, int], kind: str) -> Any:
        bindings = ", ".join(f"{k}={v}" for k, v in bound.items())
        raise ShapeError(
            problem + (f" (bindings: {bindings})" if bindings else ""),
            layer=f"{self.name}: argument {name}" if name != "input" else f"{self.name}: inputs",
            expected=expected,
            actual=actual,
            kind=kind,
        )

    def __call__(self, fn: F) -> F:
        """``@guard(model)``: the decorated function's arguments are checked (by the contract's names if
        the function has them, else by position) before each call."""
        params = [p.name for p in inspect.signature(fn).parameters.values()]
        names = [n for n, _, _ in self._inputs]
        skip = 1 if params and params[0] in ("self", "cls") else 0
        positions = (
            [params.index(n) for n in names] if all(n in params for n in names) else list(range(skip, skip + len(names)))
        )
        guard = Guard(self.contract, output=self.output, name=getattr(fn, "__qualname__", self.name))
        check_one = guard._check_one
        conditions = guard._conditions
        inputs = guard._inputs
        debug = self.output

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            bound: dict[str, int] = {}
            try:
                for (name, entries, shape), at in zip(inputs, positions):
                    value = args[at] if at < len(args) else kwargs[name]
                    check_one(name, value, entries, shape, bound)
                if conditions:
                    guard._check_conditions(bound)
            except ShapeError as err:  # the caller's line, not the guard's internals, ends the traceback
                raise err.with_traceback(None) from None
            out = fn(*args, **kwargs)
            if debug:
                try:
                    guard.check_output(out, bound)
                except ShapeError as err:
                    raise err.with_traceback(None) from None
            return out

        guarded.__shapecheck_contract__ = self.contract  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    def _check_conditions(self, bound: dict[str, int]) -> None:
        for expr, least in self._conditions:
            value = evaluate(expr, bound)
            if value < least:
                self._fail(
                    f"the inputs break the model's input condition {expr} >= {least} (it is {value})",
                    "input",
                    f"{expr} >= {least}",
                    str(value),
                    bound,
                    "size",
                )


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
    spec = model if isinstance(model, Contract) else contract(model, dtype=dtype)
    if fn is None:
        return Guard(spec, output=output)
    g = Guard(spec, output=output, name=getattr(fn, "__qualname__", type(fn).__name__))
    call = fn

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        bound = g.check(*args, **kwargs)
        out = call(*args, **kwargs)
        if output:
            g.check_output(out, bound)
        return out

    wrapped.__shapecheck_contract__ = spec  # type: ignore[attr-defined]
    return wrapped
