"""Layers whose ``forward`` returns a tuple, and ``Pick``, which selects the tensor a chain passes on.

``torch.nn.LSTM`` returns ``(output, (h_n, c_n))`` and ``MultiheadAttention`` ``(attn_output,
attn_weights)``. A chain passes one tensor (``torch.nn.Sequential`` would hand the whole tuple to the
next layer), so the tensor that goes on is selected explicitly, as a ``forward()`` does:

* ``out, _ = self.lstm(x)`` is ``Pick(LSTM(...), 0)``; ``self.lstm(x)[1][0]`` (``h_n``) is ``Pick(LSTM(...), 1, 0)``;
* ``x, _ = self.attn(x, x, x, need_weights=False)`` is ``Pick(MultiheadAttention(...), 0)``: in a chain
  attention is self-attention (the tensor is query, key and value); ``Pick(attn, 1,
  average_attn_weights=False)`` selects the per-head weights.

Unpicked, a tuple-returning layer may only end a chain (the chain then returns the tuple, as
``torch.nn.Sequential`` does, and its output shape is unknown); anywhere else it checks its input,
then reports that the next layer would receive a tuple (the fix names the ``Pick``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Union

from shapecheck.checker import Checker
from shapecheck.dims import Dim
from shapecheck.errors import RuleError
from shapecheck.nn._args import UNBOUNDED, check_int
from shapecheck.nn.module import Module, Sequential
from shapecheck.shape import Shape
from shapecheck.trace import Tracer

__all__ = ["Pick", "TupleModule"]

Tree = Union[Shape, None, tuple["Tree", ...]]
"""A forward's outputs: a tensor's shape, None (a ``None`` output), or a tuple of them."""

Names = Union[str, None, tuple["Names", ...]]
"""The names of a forward's outputs, in the same nesting: ``("output", ("h_n", "c_n"))``."""

Options = Mapping[str, bool]
"""``forward()`` keyword arguments that shape the outputs (``need_weights=False``)."""


def _describe(names: Names) -> str:
    if isinstance(names, tuple):
        return "(" + ", ".join(_describe(n) for n in names) + ")"
    return "None" if names is None else names


class TupleModule(Module):
    """A layer whose forward returns a (nested) tuple of tensors, called on the chain's tensor.

    ``options`` lists the ``forward()`` keyword arguments that shape the outputs, with torch's
    defaults; :meth:`outputs` checks the input and returns every output's shape, :meth:`names` their
    names; :meth:`call_macs` counts one call.
    """

    options: ClassVar[Mapping[str, bool]] = {}

    def __init__(self) -> None:
        if type(self) is TupleModule:
            raise TypeError("TupleModule is the base of the layers with several outputs (LSTM, MultiheadAttention, ...); use one of those")
        super().__init__()

    def names(self, options: Options) -> tuple[Names, ...]:
        raise NotImplementedError

    def outputs(self, x: Shape, check: Checker, options: Options) -> tuple[Tree, ...]:
        raise NotImplementedError

    def call_macs(self, x: Shape) -> Dim:
        return 0

    def call_bias_macs(self, x: Shape) -> Dim:
        return 0

    def explain_output(self, x: Shape, name: str, index: int, rank: int) -> str | None:
        """How dim ``index`` of the output called ``name`` (of ``rank`` dims) follows from ``x``."""
        return None

    def picks(self) -> list[tuple[tuple[int, ...], str]]:
        """The usual selections, for the fix of a bare use: ``[((0,), "the output sequence")]``."""
        return [((0,), "the first output")]

    def trace(self, x: Shape, tracer: Tracer, path: str) -> Shape:
        if not _ends_chain(tracer, self, path):
            return tracer.leaf(self, x, path)
        try:
            self.outputs(x, tracer.check, self.options)
        except RuleError as err:
            raise tracer.locate(err, self, x, path) from None
        y = Shape.unknown()
        tracer.record(self, path, x, y)
        return y

    def infer(self, x: Shape, check: Checker) -> Shape:
        self.outputs(x, check, self.options)
        name = type(self).__name__
        fixes = [f"{Pick._text(self, index, {})} for {what}" for index, what in self.picks()]
        raise RuleError(
            f"{name} returns a tuple {_describe(self.names(self.options))}; the next layer would receive it: pick one tensor",
            fixes=fixes,
            kind="tuple",
        )

    def macs(self, x: Shape, y: Shape) -> Dim:
        return self.call_macs(x)

    def bias_macs(self, x: Shape, y: Shape) -> Dim:
        return self.call_bias_macs(x)


def _ends_chain(tracer: Tracer, layer: Module, path: str) -> bool:
    """True when ``layer`` at ``path`` is the last layer of the model walked (through nested ``Sequential``)."""
    node = tracer.root
    names: list[str] = []
    while isinstance(node, Sequential) and len(node):
        name, node = node.children()[-1]
        names.append(name)
    return node is layer and ".".join(names) == path


class Pick(Module):
    """``layer(x)[i][j]...``: the output at ``index`` of a tuple-returning layer goes on in the chain.

    ``Pick(LSTM(10, 20), 0)`` is ``lstm(x)[0]``, the output sequence; ``Pick(LSTM(10, 20), 1, 0)`` is
    ``h_n``. ``options`` are the ``forward()`` keyword arguments that shape the outputs
    (``Pick(attn, 1, average_attn_weights=False)``). Parameters and MACs are the layer's; an error in
    its input is located at the layer's constructor.
    """

    def __init__(self, layer: TupleModule, *index: int, **options: bool) -> None:
        super().__init__()
        if not isinstance(layer, TupleModule):
            raise TypeError(
                "Pick: layer must return a tuple (MultiheadAttention, LSTM, GRU, RNN), "
                f"got {type(layer).__name__} {layer!r}"
            )
        name = type(layer).__name__
        if not index:
            raise TypeError(f"Pick: give the index of the output of {name} that goes on, e.g. Pick({name}(...), 0)")
        for key, value in options.items():
            if key not in layer.options:
                allowed = ", ".join(layer.options) or "none"
                raise TypeError(f"Pick: {name}'s forward has no option {key!r} that shapes its outputs (options: {allowed})")
            if not isinstance(value, bool):
                raise TypeError(f"Pick: {key} must be a bool, got {type(value).__name__} {value!r}")
        self.layer = layer
        self.index = tuple(check_int("Pick", "index", i, minimum=UNBOUNDED) for i in index)
        self.options = dict(options)
        self.where = layer.where
        node: Names = layer.names(self._options())
        for depth, i in enumerate(self.index):
            picked = f"{name}(x){''.join(f'[{j}]' for j in self.index[:depth])}"
            if not isinstance(node, tuple):
                raise ValueError(f"Pick: {picked} is {_describe(node)}, a tensor, not a tuple: index {self.index[depth:]} is too long")
            if not -len(node) <= i < len(node):
                raise ValueError(f"Pick: index {i} is out of range for {picked} = {_describe(node)}")
            node = node[i]
        if node is None:
            raise ValueError(f"Pick: {name}(x){''.join(f'[{j}]' for j in self.index)} is None with these options {self.options}")
        if isinstance(node, tuple):
            raise ValueError(f"Pick: {name}(x){''.join(f'[{j}]' for j in self.index)} is the tuple {_describe(node)}: add an index")
        self.picked: str = node

    def _options(self) -> Options:
        return {**self.layer.options, **self.options}

    def infer(self, x: Shape, check: Checker) -> Shape:
        node: Tree = self.layer.outputs(x, check, self._options())
        for i in self.index:
            assert isinstance(node, tuple)
            node = node[i]
        assert isinstance(node, Shape)
        return node

    def explain(self, x: Shape, y: Shape, index: int) -> str | None:
        return self.layer.explain_output(x, self.picked, index, len(y))

    def parameter_count(self) -> int:
        return self.layer.parameter_count()

    def buffer_count(self) -> int:
        return self.layer.buffer_count()

    def macs(self, x: Shape, y: Shape) -> Dim:
        return self.layer.call_macs(x)

    def bias_macs(self, x: Shape, y: Shape) -> Dim:
        return self.layer.call_bias_macs(x)

    @staticmethod
    def _text(layer: Module, index: tuple[int, ...], options: Options) -> str:
        parts = [repr(layer), *(str(i) for i in index), *(f"{k}={v}" for k, v in options.items())]
        return f"Pick({', '.join(parts)})"

    def __repr__(self) -> str:
        return self._text(self.layer, self.index, self.options)
