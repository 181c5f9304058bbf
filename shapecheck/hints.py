"""What an error says beyond the failing layer: how its input came about, and fixes found in the chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from shapecheck.dims import Dim, as_dim, evaluate, symbols_of
from shapecheck.errors import RuleError, ShapeError
from shapecheck.shape import Shape

if TYPE_CHECKING:
    from shapecheck.trace import Step, Tracer

__all__ = ["blame_producer", "chain_fixes", "derivation"]

_TRAIL = 3
_MAX_SIDE = 4096
_PRODUCES: Final = {"out_channels": "channels", "out_features": "features", "embedding_dim": "features"}
"""The arguments that set the size of the dim a layer produces, and what that dim is called."""
_READS: Final = ("in_channels", "num_features", "num_channels", "in_features", "embed_dim", "d_model", "normalized_shape")
"""The arguments of a layer that must equal the size of the dim it reads (or be it alone, ``normalized_shape=(64,)``)."""
_rechecking: list[bool] = []


def derivation(steps: list[Step], x: Shape, index: int | None, name: Callable[[Step, bool], str] | None = None) -> list[str]:
    """How ``x`` (the failing layer's input) came about: the formula of the layer that produced the
    offending dim (walking back over layers that pass it through), then the last shapes of the chain.
    ``name(step, short)`` names a step (default: ``[position] layer``).
    """
    name = name or _name
    if not steps or steps[-1].output is not x:
        return []
    lines: list[str] = []
    if index is not None and -len(x) <= index < len(x):
        index = index - len(x) if index >= 0 else index
        origin = _origin(steps, index)
        if origin is not None:
            value = origin.output[index]
            formula = origin.layer.explain(origin.input, origin.output, index)
            how = f"{value} = {formula}" if formula and formula != str(value) else f"{value}"
            lines.append(f"{how} by {name(origin, False)} on {origin.input}")
    trail = [f"{name(s, True)} -> {s.output}" for s in steps[-_TRAIL:]]
    head = "input " + str(steps[0].input) + (" -> ..." if len(steps) > _TRAIL else "")
    lines.append(" -> ".join([head, *trail]))
    return lines


def _origin(steps: list[Step], index: int) -> Step | None:
    """The last step that changed dim ``index`` (negative, from the end) of what reached the failing layer."""
    for step in reversed(steps):
        before, after = step.input, step.output
        if step.output.prefix or len(after) < -index:
            return None
        if before.prefix or len(before) != len(after) or before[index] != after[index]:
            return step
    return None


def _name(step: Step, short: bool = False) -> str:
    layer = type(step.layer).__name__ if short else repr(step.layer)
    return f"[{step.position}] {layer}"


def chain_fixes(err: RuleError, tracer: Tracer, lineage: list[Step], path: str, x: Shape) -> list[str]:
    """Fixes outside the failing layer: a forgotten transpose, adaptive pooling before a Flatten, or another input size."""
    if err.kind not in ("features", "channels") or not isinstance(err.expected, int):
        return []
    fixes = _transpose_fix(err.index, err.expected, x)
    if err.kind != "features":
        return fixes
    pool = _adaptive_pool_fix(lineage, err.expected, tracer.namer or _name)
    if pool:
        fixes.append(pool)
    size = _input_size_fix(tracer, path, err.expected)
    if size:
        fixes.append(size)
    return fixes


def _transpose_fix(index: int | None, expected: int, x: Shape) -> list[str]:
    """``Transpose(i, j)`` when the size the layer expects in dim ``i`` is the size of another dim ``j`` of ``x``."""
    if index is None or x.prefix or not -len(x) <= index < len(x):
        return []
    i = index % len(x)
    found = [j for j, d in enumerate(x) if j != i and d == expected]
    if len(found) != 1:
        return []
    j = found[0]
    return [f"Transpose({min(i, j)}, {max(i, j)}) before it: the {expected} is in dim {j} of {x}"]


def _adaptive_pool_fix(steps: list[Step], expected: int, name: Callable[[Step, bool], str]) -> str | None:
    flat = next((s for s in reversed(steps[-4:]) if type(s.layer).__name__ in ("Flatten", "View", "Reshape")), None)
    if flat is None or flat.input.prefix or len(flat.input) < 3:
        return None
    channels = flat.input[1]
    spatial = len(flat.input) - 2
    if not isinstance(channels, int) or channels <= 0 or expected % channels or spatial > 3:
        return None
    per = expected // channels
    side = round(per ** (1 / spatial))
    if side < 1 or side**spatial != per:
        return None
    sizes = ", ".join([str(side)] * spatial)
    return f"AdaptiveAvgPool{spatial}d(({sizes})) before {name(flat, False)}"


def _input_size_fix(tracer: Tracer, path: str, expected: int) -> str | None:
    """The smallest square input for which the failing layer gets ``expected`` (searched symbolically)."""
    from shapecheck.trace import Tracer

    root = tracer.root
    start = tracer.steps[0].input if tracer.steps else None
    if root is None or start is None or start.prefix or len(start) < 3:
        return None
    spatial = start.dims[2:]
    if not all(isinstance(d, int) for d in spatial) or len(set(spatial)) != 1:
        return None
    side = as_dim("_side")
    probe = Shape((*start.dims[:2], *([side] * len(spatial))))
    again = Tracer()
    try:
        root.trace(probe, again, "")
    except ShapeError as found:
        if found.path != path or not isinstance(found.raw_actual, (int, type(side))):
            return None
        actual: Dim = found.raw_actual
        if _names(actual) != {"_side"}:  # the failing dim does not depend on the input size alone
            return None
        conditions = [(e, b) for e, b in again.check.conditions() if _names(e) == {"_side"}]
        for s in range(1, _MAX_SIDE + 1):
            values = {"_side": s}
            if evaluate(actual, values) == expected and all(evaluate(e, values) >= b for e, b in conditions):
                now = "x".join(str(d) for d in spatial)
                return f"an input of {'x'.join([str(s)] * len(spatial))} (the smallest that fits; now {now})"
    return None



def blame_producer(err: RuleError, tracer: Tracer, lineage: list[Step], name: Callable[[Step, bool], str] | None = None) -> tuple[str, str] | None:
    """``(cause, fix)`` when the layer that produced the offending dim is the likelier mistake: changing its
    size argument to what the failing layer expects makes the whole model check (re-checked: construction is
    linear) and more than that one layer read the size it expects, as ``ConvTranspose2d(512, 128)`` before
    layers that all expect 256 channels. None otherwise."""
    if _rechecking or err.index is None or not isinstance(err.expected, int) or not isinstance(err.actual, int):
        return None
    from shapecheck.nn.module import Sequential, arguments_of
    from shapecheck.trace import format_location

    root, x = tracer.root, lineage[-1].output if lineage else None
    if not isinstance(root, Sequential) or x is None or not tracer.steps or not -len(x) <= err.index < len(x):
        return None
    index = err.index - len(x) if err.index >= 0 else err.index
    origin = _origin(lineage, index)
    producer = None if origin is None else origin.layer
    argument = next((a for a in _PRODUCES if getattr(producer, a, None) == err.actual), None)
    if origin is None or producer is None or argument is None:
        return None
    try:
        edited = type(producer)(**{**arguments_of(producer), argument: err.expected})
    except (TypeError, ValueError):
        return None
    saved = dict(vars(producer))
    vars(producer).update({k: v for k, v in vars(edited).items() if k != "where"})
    _rechecking.append(True)
    try:
        again, _ = root.walk(tracer.steps[0].input)
    except ShapeError:
        return None
    finally:
        _rechecking.pop()
        vars(producer).clear()
        vars(producer).update(saved)
    readers = _readers(again.steps, origin.position, index, err.expected)
    if readers < 2:  # the failing layer alone disagrees: either edit is as likely
        return None
    cause = f"{(name or _name)(origin, False)} produces {err.actual} {_PRODUCES[argument]}; the next {readers} layers expect {err.expected}"
    where = format_location(producer.where)
    return cause, f"{edited!r} at {(name or _name)(origin, True)}" + (f" ({where})" if where else "")


def _readers(steps: list[Step], producer: int, index: int, size: int) -> int:
    """The layers after ``producer`` on its data path that read dim ``index`` while it is still ``size``
    (a size argument equal to it: ``in_channels``, ``num_features``, ...)."""
    path, count = {producer}, 0
    for step in steps[producer + 1 :]:
        x = step.input
        if step.source not in path or x.prefix or len(x) < -index or x[index] != size:
            continue
        count += any(getattr(step.layer, a, None) in (size, (size,)) for a in _READS)
        if not step.output.prefix and len(step.output) >= -index and step.output[index] == size:
            path.add(step.position)
    return count


def _names(d: Dim) -> set[str]:
    return {s.name for s in symbols_of(d)}
