"""Recurrent layers, as ``torch.nn.RNN``, ``LSTM`` and ``GRU`` count them, and the sequence layouts they read."""

from __future__ import annotations

from shapecheck.dims import Dim, unknown
from shapecheck.errors import RuleError
from shapecheck.rules.rank import describe_ranks, split_core
from shapecheck.shape import Shape

__all__ = ["GATES", "rnn_bias_macs", "rnn_macs", "rnn_params", "sequence_dims", "sequence_index"]

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


def rnn_params(gates: int, input_size: int, hidden_size: int, num_layers: int, directions: int, bias: bool, proj_size: int) -> int:
    """Per layer and direction: ``W_ih (G*H, in)``, ``W_hh (G*H, H_out)``, ``b_ih``, ``b_hh`` (``G*H`` each) and,
    with ``proj_size``, ``W_hr (proj_size, H)``; ``in`` is ``input_size`` for layer 0, else ``directions*H_out``.
    ``H_out`` is ``proj_size`` when non-zero, else ``hidden_size``.
    """
    out = proj_size or hidden_size
    total = 0
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else directions * out
        one = gates * hidden_size * (inputs + out) + (2 * gates * hidden_size if bias else 0)
        total += directions * (one + proj_size * hidden_size)
    return total


def rnn_macs(
    steps: Dim, gates: int, input_size: int, hidden_size: int, num_layers: int, directions: int, proj_size: int
) -> Dim:
    """``steps`` (``L*N``) times, per layer and direction, ``G*H*(in + H_out)`` for the input and recurrent
    matmuls plus ``H*proj_size`` for the projection: the matmuls torch runs, no bias, no gate arithmetic.
    """
    out = proj_size or hidden_size
    per_step = 0
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else directions * out
        per_step += directions * (gates * hidden_size * (inputs + out) + proj_size * hidden_size)
    return steps * per_step


def rnn_bias_macs(steps: Dim, gates: int, hidden_size: int, num_layers: int, directions: int) -> Dim:
    """``b_ih`` and ``b_hh`` added each step: ``2*G*H`` per layer and direction."""
    return steps * (2 * gates * hidden_size * num_layers * directions)
