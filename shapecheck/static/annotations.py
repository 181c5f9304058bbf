"""Checking tensors against the jaxtyping annotations the source states (returns, annotated names).

``def f(x: Float[Tensor, "B 3 32 32"]) -> Float[Tensor, "B 10"]``: what ``f`` returns must have the
annotated shape. Names bound by the function's parameter annotations (``B``) are the parameters'
sizes; other names are free (jaxtyping binds them at the call) and match any size. A dim is reported
only when it differs for every input size.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from shapecheck.dims import Dim, is_unknown, symbols_of
from shapecheck.jaxtyping_spec import parse
from shapecheck.shape import Shape
from shapecheck.static.inputs import annotated_tensor
from shapecheck.static.report import Finding
from shapecheck.static.solver import never_equal
from shapecheck.static.values import FunctionValue, Tensor

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter
    from shapecheck.static.scope import Scope

__all__ = ["bound_names", "check_annotation"]


def bound_names(fn: FunctionValue | None) -> set[str]:
    """The dim names the parameter annotations of ``fn`` bind (``"B 3 H W"`` binds ``B``, ``H``, ``W``)."""
    names: set[str] = set()
    if fn is None or isinstance(fn.node, ast.Lambda):
        return names
    spec = fn.node.args
    for arg in [*spec.posonlyargs, *spec.args, *spec.kwonlyargs]:
        annotation = arg.annotation
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple) and len(annotation.slice.elts) == 2:
            text = annotation.slice.elts[1]
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                parsed = parse(text.value)
                if parsed is not None:
                    names.update(d for d in parsed[0] if isinstance(d, str))
    return names


def check_annotation(interp: Interpreter, annotation: ast.expr | None, value: object, scope: Scope, what: str, node: ast.AST) -> None:
    """Report ``value`` (a tensor) at ``node`` if its shape cannot be the one ``annotation`` states."""
    if annotation is None or not isinstance(value, Tensor):
        return
    declared = annotated_tensor(annotation, lambda n: interp.eval(n, interp.module_scope))
    if declared is None:
        return
    bound = bound_names(interp.frames[-1][0] if interp.frames else None)
    problem = _mismatch(declared.shape, value.shape, bound, interp.solver.lower)
    if problem is not None:
        message = f"{what} {declared.shape} does not match the {'returned' if what.startswith('Return') else 'value'}'s shape {value.shape}".replace("returned's", "returned")
        interp.report(Finding(getattr(node, "lineno", 0), getattr(node, "col_offset", 0), message, (problem,)))


def _mismatch(declared: Shape, actual: Shape, bound: set[str], lower: dict[str, int]) -> str | None:
    if actual.prefix:
        return None
    if not declared.prefix and len(declared) != len(actual):
        return f"the annotation has {len(declared)} dims, the value {len(actual)}"
    if declared.prefix and len(declared) > len(actual):
        return f"the annotation has at least {len(declared)} dims, the value {len(actual)}"
    offset = len(actual) - len(declared)
    for i, want in enumerate(declared.dims):
        have: Dim = actual.dims[i + offset]
        if is_unknown(want) or is_unknown(have) or any(s.name not in bound for s in symbols_of(want)):
            continue
        if never_equal(have, want, lower) is not None:
            return f"dim {i + offset} differs: the annotation has {want}, the value {have}"
    return None
