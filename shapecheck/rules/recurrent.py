"""Recurrent layers, as ``torch.nn.RNN``, ``LSTM`` and ``GRU`` count them, and the sequence layouts they read."""

from __future__ import annotations

from collections.abc import Mapping
from math import prod

from shapecheck.dims import Dim, unknown
from shapecheck.errors import RuleError
from shapecheck.rules.rank import describe_ranks, split_core
from shapecheck.shape import Shape

__all__ = ["GATES", "rnn_bias_macs", "rnn_macs", "rnn_parameter_shapes", "sequence_dims", "sequence_index"]

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
"""Gate blocks per cell: ``W_ih`` is ``(gates*hidden_size, input)``."""


def sequence_dims(x: Shape, batch_first: bool, op: str) -> tuple[Dim, Dim, Dim, bool | None]:
    """``(L, N, features, batched)`` of ``(L, N, F)``, ``(N, L, F)`` with ``batch_first``, or unbatched ``(L, F)``
    (``N`` = 1). A 2D or 3D input; with unknown leading dims and two dims shown, whether it is batched is
    unknown (None) and so may be ``L`` or ``N``.
    """
    if x.prefix and len(x) > 3:
        wanted = describe_ranks((2, 3), 2)
        raise RuleError(f"{op} expects a {wanted} input, got {x}", expected=wanted, actual=str(x), kind="rank")
    lead, (a, f) = split_core(x, 2, (2, 3), op)
    if lead:
        return (a, lead[-1], f, True) if batch_first else (lead[-1], a, f, True)
    if not x.prefix:
        return a, 1, f, False
    return (a, unknown(), f, None) if batch_first else (unknown(), unknown(), f, None)


def sequence_index(batched: bool | None, batch_first: bool) -> int:
    """The (negative) index of ``L`` in the input: ``-3`` for batched sequence-first, else ``-2``."""
    return -3 if batched and not batch_first else -2


def rnn_parameter_shapes(
    gates: int, input_size: int, hidden_size: int, num_layers: int, directions: int, bias: bool, proj_size: int
) -> dict[str, tuple[int, ...]]:
    """Per layer ``k`` and direction (suffix ``_reverse`` for the second): ``weight_ih_l{k} (G*H, in)``,
    ``weight_hh_l{k} (G*H, H_out)``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (``(G*H,)`` each, with ``bias``) and,
    with ``proj_size``, ``weight_hr_l{k} (proj_size, H)``; ``in`` is ``input_size`` for layer 0, else
    ``directions*H_out``; ``H_out`` is ``proj_size`` when non-zero, else ``hidden_size``.
    """
    out, rows = proj_size or hidden_size, gates * hidden_size
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else directions * out
        for suffix in ("", "_reverse")[:directions]:
            at = f"_l{layer}{suffix}"
            shapes[f"weight_ih{at}"], shapes[f"weight_hh{at}"] = (rows, inputs), (rows, out)
            if bias:
                shapes[f"bias_ih{at}"], shapes[f"bias_hh{at}"] = (rows,), (rows,)
            if proj_size:
                shapes[f"weight_hr{at}"] = (proj_size, hidden_size)
    return shapes


def rnn_macs(steps: Dim, shapes: Mapping[str, tuple[int, ...]]) -> Dim:
    """``steps`` (``L*N``) times the elements of the weight matrices (:func:`rnn_parameter_shapes`): per layer and
    direction ``G*H*(in + H_out)`` for the input and recurrent matmuls plus ``H*proj_size`` for the projection,
    the matmuls torch runs; no bias, no gate arithmetic.
    """
    return steps * sum(prod(shape) for name, shape in shapes.items() if name.startswith("weight"))


def rnn_bias_macs(steps: Dim, gates: int, hidden_size: int, num_layers: int, directions: int) -> Dim:
    """``b_ih`` and ``b_hh`` added each step: ``2*G*H`` per layer and direction."""
    return steps * (2 * gates * hidden_size * num_layers * directions)
