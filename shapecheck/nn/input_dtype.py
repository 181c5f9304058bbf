"""The dtype a model's input must have, read from the layers that first take it.

torch refuses an integer tensor in a ``Conv2d`` and a float one in an ``Embedding``; layers such as ``ReLU``
or ``Flatten`` pass the dtype on, so the requirement is the first layer's along each path that is not one
of those. Every branch of a combinator takes the input, so each adds its requirement; a layer that may
change the dtype without complaint (``Sigmoid`` makes floats of ints) ends the search with no requirement.
"""

from __future__ import annotations

from shapecheck.nn.graph import _Branches
from shapecheck.nn.module import Module, Sequential

__all__ = ["input_kind"]

_SAME = "same"


def input_kind(model: Module) -> str | None:
    """The jaxtyping kind (``"Float"``, ``"Int"``) every input to ``model`` must have, or None when torch
    would take more than one kind (or shapecheck cannot tell)."""
    found = _requires(model)
    return None if found == _SAME else found


def _requires(layer: Module) -> str | None:
    """The kind ``layer`` requires; ``"same"`` when it takes any dtype and passes it on; None when it
    asks for nothing of the input's dtype, or its requirement is not known."""
    if isinstance(layer, Sequential):
        for child in layer:
            found = _requires(child)
            if found != _SAME:
                return found
        return _SAME
    if isinstance(layer, _Branches):
        kinds = {_requires(branch) for branch in layer.branches}
        required = kinds - {_SAME, None}
        if len(required) == 1:
            return required.pop()
        return _SAME if kinds == {_SAME} else None
    return None if layer.takes == "any" else layer.takes
