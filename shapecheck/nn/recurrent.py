"""``RNN``, ``LSTM`` and ``GRU`` with torch's parameters, defaults and shape rules.

The input is ``(L, N, input_size)``, ``(N, L, input_size)`` with ``batch_first``, or unbatched
``(L, input_size)``, with ``L >= 1``. The forward returns ``(output, h_n)`` (LSTM: ``(output, (h_n,
c_n))``): ``output`` is the input's shape with ``D*H_out`` features (``D`` = 2 when bidirectional,
``H_out`` = ``proj_size`` or ``hidden_size``); ``h_n`` is ``(D*num_layers, N, H_out)`` whatever
``batch_first`` (no ``N`` unbatched); ``c_n`` has ``hidden_size`` features. In a chain the tensor that
goes on is picked: ``Pick(LSTM(...), 0)`` is the output sequence, ``Pick(LSTM(...), 1, 0)`` is ``h_n``.

MACs: per time step and batch element, for each layer and direction, ``G*H*(in + H_out)`` (the
input and recurrent matmuls of the ``G`` gate blocks: 1 for RNN, 3 for GRU, 4 for LSTM) plus
``H*proj_size`` for LSTM's projection; no bias, no gate arithmetic.
"""

from __future__ import annotations

from shapecheck.checker import Checker
from shapecheck.dims import Dim
from shapecheck.nn._args import check_choice, check_int, check_int_or_bool, check_prob
from shapecheck.nn.outputs import Names, Options, Tree, TupleModule
from shapecheck.rules.recurrent import GATES, rnn_bias_macs, rnn_macs, rnn_parameter_shapes, sequence_dims, sequence_index
from shapecheck.shape import Shape

__all__ = ["GRU", "LSTM", "RNN"]


class _RNNBase(TupleModule):
    """What RNN, LSTM and GRU share; ``_mode`` picks the gate count."""

    takes = "Float"

    _mode = "RNN"

    def _setup(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int,
        bias: bool,
        batch_first: bool,
        dropout: float,
        bidirectional: bool,
        proj_size: int,
    ) -> None:
        name = type(self).__name__
        for arg, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {arg} should be of type bool, got: {type(value).__name__}")
        # a bool passes where it lands after a weight's first dim (the plain RNN's gates are hidden_size rows)
        self.input_size = check_int_or_bool(name, "input_size", input_size, minimum=1)
        self.hidden_size = (check_int_or_bool if GATES[self._mode] > 1 else check_int)(name, "hidden_size", hidden_size, minimum=1)
        self.num_layers = check_int(name, "num_layers", num_layers, minimum=1)
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = check_prob(name, "dropout", dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = 0 if proj_size is False else check_int(name, "proj_size", proj_size)  # False: no projection weight
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got proj_size={proj_size} and hidden_size={hidden_size}")
        self.directions = 2 if self.bidirectional else 1
        self.out_size = self.proj_size or self.hidden_size

    def names(self, options: Options) -> tuple[Names, ...]:
        return ("output", "h_n")

    def picks(self) -> list[tuple[tuple[int, ...], str]]:
        return [((0,), "the output sequence (out, _ = rnn(x) in a forward())"), ((1,), "h_n (_, h_n = rnn(x))")]

    def outputs(self, x: Shape, check: Checker, options: Options) -> tuple[Tree, ...]:
        name = type(self).__name__
        length, batch, features, batched = sequence_dims(x, self.batch_first, name)
        rest = self.extra_repr().split(", ", 1)[1]
        check.equal(
            features,
            self.input_size,
            f"{name} expects input_size={self.input_size} features in the last dim, got {features}",
            index=-1,
            fixes=[f"{name}({features}, {rest})"] if isinstance(features, int) else [],
            kind="features",
        )
        check.at_least(
            length, 1, f"{name} expects a sequence length larger than 0", index=sequence_index(batched, self.batch_first)
        )
        output = x.with_tail(max(len(x) - 1, 0), (self.directions * self.out_size,))
        return (output, *self._states(batch, batched))

    def _states(self, batch: Dim, batched: bool | None) -> tuple[Tree, ...]:
        return (self._state(batch, batched, self.out_size),)

    def explain_output(self, x: Shape, name: str, index: int, rank: int) -> str | None:
        if name != "output" or index not in (-1, rank - 1):
            return None
        size = f"proj_size {self.proj_size}" if self.proj_size else f"hidden_size {self.hidden_size}"
        return f"{self.directions}*{self.out_size} (directions * {size})" if self.bidirectional else size

    def _state(self, batch: Dim, batched: bool | None, size: int) -> Shape:
        """``(D*num_layers, N, size)``, ``(D*num_layers, size)`` unbatched, ``(..., size)`` when unknown."""
        if batched is None:
            return Shape((size,), prefix=True)
        layers = self.directions * self.num_layers
        return Shape((layers, batch, size) if batched else (layers, size))

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        gates = GATES[self._mode]
        return rnn_parameter_shapes(gates, self.input_size, self.hidden_size, self.num_layers, self.directions, self.bias, self.proj_size)

    def _steps(self, x: Shape) -> Dim:
        length, batch, _, _ = sequence_dims(x, self.batch_first, type(self).__name__)
        return length * batch

    def call_macs(self, x: Shape) -> Dim:
        return rnn_macs(self._steps(x), self.parameter_shapes())

    def call_bias_macs(self, x: Shape) -> Dim:
        if not self.bias:
            return 0
        return rnn_bias_macs(self._steps(x), GATES[self._mode], self.hidden_size, self.num_layers, self.directions)

    def extra_repr(self) -> str:
        """torch's: ``input_size, hidden_size`` and the options that differ from their defaults."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(_RNNBase):
    """Elman RNN, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)`` (or ``relu``): one gate block."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self.nonlinearity = str(check_choice("RNN", "nonlinearity", nonlinearity, ("tanh", "relu")))
        self._setup(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0)


class GRU(_RNNBase):
    """Gated recurrent unit: three gate blocks (reset, update, new)."""

    _mode = "GRU"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0)


class LSTM(_RNNBase):
    """Long short-term memory: four gate blocks; ``proj_size > 0`` projects ``h_t`` to ``proj_size`` features.

    Returns ``(output, (h_n, c_n))``: ``c_n`` has ``hidden_size`` features, ``output`` and ``h_n`` ``H_out``.
    """

    _mode = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: object = None,
        dtype: object = None,
    ) -> None:
        super().__init__()
        self._setup(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)

    def names(self, options: Options) -> tuple[Names, ...]:
        return ("output", ("h_n", "c_n"))

    def picks(self) -> list[tuple[tuple[int, ...], str]]:
        return [((0,), "the output sequence (out, _ = lstm(x) in a forward())"), ((1, 0), "h_n (_, (h_n, c_n) = lstm(x))")]

    def _states(self, batch: Dim, batched: bool | None) -> tuple[Tree, ...]:
        return ((self._state(batch, batched, self.out_size), self._state(batch, batched, self.hidden_size)),)
