"""Shapes in mypy types: a checked chain's input and output shapes, and a tensor's shape, as type arguments.

A checked ``Sequential(...)`` gets the type ``Sequential[Literal['(B, 3, 224, 224) -> (B, 1000)']]``
and the result of calling it ``Tensor[Literal['(B, 1000)']]``. The literal is the shapes' text in
shapecheck's own notation (``Shape.__str__``: dims in Python syntax, ``?`` unknown, a leading ``...``
for unknown leading dims), so the shapes are part of the type: they print in ``reveal_type``, they
are written to and read back from mypy's cache like any other type (a module that imports a model
from a cached module still sees its shapes), and mypy forgets them, never misreads them, where a
type is widened (a join of two models, a declared ``nn.Module``). Neither class is generic: mypy
pairs type arguments with type variables by ``zip``, so an extra argument changes no subtype check.

:class:`ModelCall` checks a call's argument against the model's input and its result against an
annotation with the same checker the rules use; the texts are parsed back with an evaluator of dim
expressions (names, ints, ``+ - * //``) that degrades to unknown dims on anything else.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from mypy.types import Instance, LiteralType, ProperType, Type, get_proper_type

from shapecheck.checker import Checker
from shapecheck.dims import Dim, as_dim, floor_div, is_unknown, unknown
from shapecheck.errors import RuleError
from shapecheck.nn.module import Sequential
from shapecheck.shape import Shape

__all__ = ["Mismatch", "ModelCall", "Pattern", "call_result", "model_type", "tensor_pattern"]

ARROW: Final = " -> "
WHERE: Final = " where "  # then the input conditions: "H >= 32, W >= 32"
_MAX_TEXT: Final = 2000  # a longer shape text is not attached to the type (and not parsed back)


@dataclass(frozen=True)
class Pattern:
    """A shape as text and as dim expressions over names: ``B 3 224 224``, ``(..., 64, ?, ?)``.

    ``dims`` are ``ast`` expressions (an int, a name, arithmetic; ``None`` for an unknown dim);
    ``prefix`` says unknown leading dims may precede them (a jaxtyping ``...`` or ``*batch``).
    """

    dims: tuple[ast.expr, ...]
    prefix: bool
    text: str

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n.id for d in self.dims for n in ast.walk(d) if isinstance(n, ast.Name))


def parse_shape(text: str) -> Pattern | None:
    """``(B, 3, (H + 1)//2, ?)`` or ``(..., 10)`` (a ``Shape``'s text) as a pattern; None if it is not one."""
    if len(text) > _MAX_TEXT:
        return None
    try:
        tree = ast.parse(text.replace("?", "None"), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Constant) and tree.value is Ellipsis:  # "(...)"
        return Pattern((), True, text)
    if not isinstance(tree, ast.Tuple):
        return None
    items = list(tree.elts)
    prefix = bool(items) and isinstance(items[0], ast.Constant) and items[0].value is Ellipsis
    return Pattern(tuple(items[1:] if prefix else items), prefix, text)


def _text(shape: Shape) -> str | None:
    text = str(shape)
    return text if len(text) <= _MAX_TEXT else None


def model_shapes(model: Sequential) -> str | None:
    """``'(B, 3, H, W) -> (B, 1000) where H >= 32, W >= 32'``, or None when nothing is known."""
    if model.input_shape == Shape.unknown() and model.output_shape == Shape.unknown():
        return None
    source, target = _text(model.input_shape), _text(model.output_shape)
    where = f"{WHERE}{', '.join(model.conditions)}" if model.conditions else ""
    text = f"{source}{ARROW}{target}{where}" if source and target else None
    return text if text is not None and len(text) <= _MAX_TEXT else None


def with_shape(typ: ProperType, text: str, str_type: Instance) -> Type:
    """``typ`` (a non-generic class's instance) carrying ``text`` as its one literal type argument."""
    if not isinstance(typ, Instance) or typ.args or typ.type.type_vars:
        return typ
    return typ.copy_modified(args=[LiteralType(text, fallback=str_type)], last_known_value=None)


def model_type(default: Type, model: object, str_type: Instance) -> Type | None:
    """The type of a constructed chain with its shapes, or None to keep mypy's."""
    text = model_shapes(model) if isinstance(model, Sequential) else None
    return with_shape(get_proper_type(default), text, str_type) if text else None


def shape_text(typ: Type) -> str | None:
    """The shape literal a type carries (see :func:`with_shape`), if any."""
    t = get_proper_type(typ)
    if not isinstance(t, Instance) or len(t.args) != 1 or t.type.type_vars:
        return None
    arg = get_proper_type(t.args[0])
    return arg.value if isinstance(arg, LiteralType) and isinstance(arg.value, str) else None


def tensor_pattern(typ: Type) -> Pattern | None:
    """The shape a tensor's type carries (the result of calling a checked model)."""
    text = shape_text(typ)
    return parse_shape(text) if text is not None and ARROW not in text else None


def _evaluate(node: ast.expr, lookup: Callable[[str], Dim]) -> Dim:
    """A dim expression's value; anything but ints, names and ``+ - * //`` (by an int) is unknown."""
    if isinstance(node, ast.Constant):
        value = node.value
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else unknown()
    if isinstance(node, ast.Name):
        return lookup(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, lookup)
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, lookup), _evaluate(node.right, lookup)
        if is_unknown(left) or is_unknown(right):
            return unknown()
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.FloorDiv) and isinstance(right, int) and right > 0:
            return floor_div(left, right)
    return unknown()


def _condition(text: str) -> tuple[str, ast.expr, int] | None:
    """``'H >= 32'`` (one of a chain's input conditions) as its text, left side and bound; a declared
    ``'T <= 1024'`` as ``-T >= -1024``."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1 or not isinstance(tree.ops[0], (ast.GtE, ast.LtE)):
        return None
    bound = tree.comparators[0]
    if not isinstance(bound, ast.Constant) or not isinstance(bound.value, int) or isinstance(bound.value, bool):
        return None
    if isinstance(tree.ops[0], ast.LtE):
        return text, ast.UnaryOp(ast.USub(), tree.left), -bound.value
    return text, tree.left, bound.value


def _symbol(name: str) -> Dim:
    return as_dim(name) if name.isidentifier() else unknown()


@dataclass
class Mismatch(Exception):
    """A call's argument or result does not fit: the message and the notes that explain it."""

    message: str
    notes: list[str] = field(default_factory=list)


def _aligned(a: tuple[int, bool], b: tuple[int, bool]) -> list[tuple[int, int, int]]:
    """The positions of two shapes (rank, prefix) that face each other from the right, with ``a``'s index.

    The index counts from the left when ``a``'s rank is known, else from the right (``-1``).
    """
    (len_a, prefix_a), (len_b, prefix_b) = a, b
    n = min(len_a, len_b) if prefix_a or prefix_b else len_a
    return [(i - n if prefix_a else len_a - n + i, len_a - n + i, len_b - n + i) for i in range(n)]


def _rank_differs(a: tuple[int, bool], b: tuple[int, bool]) -> bool:
    return not a[1] and not b[1] and a[0] != b[0]


def _form(p: Pattern | Shape) -> tuple[int, bool]:
    return (len(p.dims), p.prefix)


def _bare(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def _explain(err: RuleError, expected: str, actual: str) -> list[str]:
    notes = [f"{err.problem}: {expected} has {err.expected}, {actual} {err.actual}"]
    if err.holds_when:
        notes.append(f"holds only when {err.holds_when}")
    if err.witness:
        notes.append("e.g. for " + ", ".join(f"{k}={v}" for k, v in err.witness.items()))
    return notes


class ModelCall:
    """One call of a model whose type carries its shapes: ``model(x)``.

    The model's input names (``B`` of its ``Input``) are bound to the argument's dims, so the output
    is in the caller's terms; a bare name of the caller's annotation (``C`` in ``"B C H W"``) takes
    the model's dim, as jaxtyping binds it at run time. What is unbound is unknown: silent.
    Mismatches are decided by the same :class:`~shapecheck.checker.Checker` the rules use.
    """

    def __init__(self, source: Pattern, target: Pattern, conditions: list[tuple[str, ast.expr, int]]) -> None:
        self.source, self.target, self.conditions = source, target, conditions
        self.model: dict[str, Dim] = {}
        self.caller: dict[str, Dim] = {}

    @classmethod
    def of(cls, model: Type) -> ModelCall | None:
        """The call of a model of this type, if the type carries shapes (``'(B, 3) -> (B, 10)'``)."""
        text = shape_text(model)
        if text is None or text.count(ARROW) != 1:
            return None
        source_text, rest = text.split(ARROW)
        target_text, _, where = rest.partition(WHERE)
        source, target = parse_shape(source_text), parse_shape(target_text)
        conditions = [c for c in map(_condition, where.split(", ") if where else []) if c is not None]
        return cls(source, target, conditions) if source is not None and target is not None else None

    def _model_dim(self, node: ast.expr) -> Dim:
        return _evaluate(node, lambda name: self.model.get(name, unknown()))

    def _caller_dim(self, node: ast.expr) -> Dim:
        return _evaluate(node, lambda name: self.caller[name] if name in self.caller else _symbol(name))

    def fit(self, arg: Pattern) -> None:
        """Bind the model's input to ``arg``; raises :class:`Mismatch` where both know a dim and differ."""
        what = f"Argument of shape {arg.text} does not fit the model's input {self.source.text}"
        if _rank_differs(_form(arg), _form(self.source)):
            raise Mismatch(what, [f"the model takes a {len(self.source.dims)}D input, the argument is {len(arg.dims)}D"])
        check = Checker()
        for index, i, j in _aligned(_form(arg), _form(self.source)):
            a, m = arg.dims[i], self.source.dims[j]
            name = _bare(m)
            if name is not None and name not in self.model:
                self.model[name] = self._caller_dim(a)
                continue
            expected = self._model_dim(m)
            caller = _bare(a)
            if caller is not None and caller not in self.caller:
                self.caller[caller] = expected
                continue
            try:
                check.equal(self._caller_dim(a), expected, f"dim {index} differs", index=index)
            except RuleError as err:
                raise Mismatch(what, _explain(err, "the model's input", "the argument")) from None
        for text, lhs, bound in self.conditions:
            value = self._model_dim(lhs)
            try:
                check.at_least(value, bound, f"the model needs {text}")
            except RuleError as err:
                raise Mismatch(what, [f"{err.problem}; for the argument {ast.unparse(lhs)} is {value}"]) from None

    def output(self) -> Shape:
        """The output shape in the caller's terms (after :meth:`fit`; unknown where unbound)."""
        return Shape((self._model_dim(d) for d in self.target.dims), self.target.prefix)

    def check_result(self, declared: Pattern, known: frozenset[str], what: str) -> None:
        """The output against an annotation (``what`` names it); its names outside ``known`` are free."""

        def lookup(name: str) -> Dim:
            if name in self.caller:
                return self.caller[name]
            return _symbol(name) if name in known else unknown()

        out = self.output()
        message = f"{what} {declared.text} does not match the model's output {out}"
        if _rank_differs(_form(out), _form(declared)):
            raise Mismatch(message, [f"the model returns a {len(out)}D tensor, the annotation says {len(declared.dims)}D"])
        check = Checker()
        for index, j, i in _aligned(_form(declared), _form(out)):
            try:
                check.equal(out[i], _evaluate(declared.dims[j], lookup), f"dim {index} differs", index=index)
            except RuleError as err:
                raise Mismatch(message, _explain(err, "the annotation", "the model's output")) from None


def call_result(output: Shape, tensor: Instance | None, str_type: Instance) -> Type | None:
    """The type of ``model(x)``: the tensor type carrying the output shape, or None to keep mypy's."""
    text = _text(output) if output != Shape.unknown() else None
    return with_shape(tensor, text, str_type) if text is not None and tensor is not None else None
