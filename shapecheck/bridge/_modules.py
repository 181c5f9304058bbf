"""torch modules for what ``torch.nn`` has no module for: combinators, tensor ops, ``Pick``, learned tokens.

Imported only by the bridge's functions (it imports torch). Each class has the name of the
``shapecheck.nn`` layer it stands for, so ``from_torch`` maps it back by name.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any

import torch
from torch import Tensor

from shapecheck.dims import Dim, evaluate

__all__ = [
    "Add",
    "Arange",
    "BufferTensor",
    "CenterCrop",
    "Chunk",
    "ClassToken",
    "Concat",
    "Mean",
    "Mul",
    "ParameterTensor",
    "Permute",
    "Pick",
    "PositionalEmbedding",
    "Reshape",
    "Scale",
    "Select",
    "SelfAttention",
    "Split",
    "TrainingOnly",
    "TransformerEncoderLayer",
    "Transpose",
    "View",
]


class _Branches(torch.nn.Module):
    """Branches applied to the same input, under their names (``0, 1, ...`` or the user's); subclasses merge their outputs."""

    def __init__(self, branches: Mapping[str, torch.nn.Module]) -> None:
        super().__init__()
        for name, branch in branches.items():
            self.add_module(name, branch)

    def _outputs(self, x: Tensor) -> list[Tensor]:
        return [branch(x) for branch in self.children()]


class Add(_Branches):
    """``branch0(x) + branch1(x) + ...`` (torch broadcasting)."""

    def forward(self, x: Tensor) -> Tensor:
        return reduce(operator.add, self._outputs(x))


class Mul(_Branches):
    """``branch0(x) * branch1(x) * ...`` (torch broadcasting)."""

    def forward(self, x: Tensor) -> Tensor:
        return reduce(operator.mul, self._outputs(x))


def center_crop(x: Tensor, sizes: Sequence[int]) -> Tensor:
    """The center ``sizes`` of the last ``len(sizes)`` dims of ``x``: ``x[..., top : top + size, ...]``, ``top = (dim - size)//2``."""
    n = len(sizes)
    index = [slice(None)] * (x.dim() - n)
    index += [slice((have - size) // 2, (have - size) // 2 + size) for have, size in zip(x.shape[-n:], sizes)]
    return x[tuple(index)]


class Concat(_Branches):
    """``torch.cat([branch0(x), branch1(x), ...], dim)``; with ``crop``, each output first center-cropped to
    the last one's size in the dims after ``dim``."""

    def __init__(self, branches: Mapping[str, torch.nn.Module], dim: int = 1, crop: bool = False) -> None:
        super().__init__(branches)
        self.dim = dim
        self.crop = crop

    def forward(self, x: Tensor) -> Tensor:
        outs = self._outputs(x)
        if self.crop:
            after = outs[-1].dim() - self.dim % outs[-1].dim() - 1
            outs = [center_crop(out, outs[-1].shape[outs[-1].dim() - after :]) for out in outs]
        return torch.cat(outs, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}" + (", crop=True" if self.crop else "")


class CenterCrop(torch.nn.Module):
    """The center ``size`` of the last dims; symbolic sizes (``H - 4``) take the model input's values in this call."""

    def __init__(self, size: Sequence[Dim], bindings: Bindings | None = None) -> None:
        super().__init__()
        self.size = tuple(size)
        self.bindings = bindings

    def forward(self, x: Tensor) -> Tensor:
        values = self.bindings.values if self.bindings is not None else {}
        return center_crop(x, [evaluate(d, values) for d in self.size])

    def extra_repr(self) -> str:
        return ", ".join(str(d) for d in self.size)


class Bindings:
    """The values of the model input's symbols in the current call (``B=4``), set by the root's pre-hook."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.names = dict(names)  # input dim index -> symbol name
        self.values: dict[str, int] = {}

    def hook(self, module: torch.nn.Module, args: tuple[Any, ...]) -> None:
        shape = args[0].shape
        self.values = {name: int(shape[i]) for i, name in self.names.items() if i < len(shape)}


class Reshape(torch.nn.Module):
    """``x.reshape(*shape)``; symbolic entries (``B``) take their value from the model's input in this call."""

    def __init__(self, shape: Sequence[Dim], bindings: Bindings | None = None) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.bindings = bindings

    def target(self) -> list[int]:
        if all(isinstance(d, int) for d in self.shape):
            return [d for d in self.shape if isinstance(d, int)]
        values = self.bindings.values if self.bindings is not None else {}
        try:
            return [evaluate(d, values) for d in self.shape]
        except KeyError:
            symbolic = [d for d in self.shape if not isinstance(d, int)]
            if len(symbolic) == 1 and -1 not in self.shape:  # the one symbolic entry is what -1 infers
                return [-1 if not isinstance(d, int) else d for d in self.shape]
            raise RuntimeError(
                f"{type(self).__name__}{tuple(str(d) for d in self.shape)}: the symbols have no value in this call; "
                "convert a model that starts with nn.Input declaring them"
            ) from None

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(self.target())

    def extra_repr(self) -> str:
        return ", ".join(str(d) for d in self.shape)


class View(Reshape):
    """``x.view(*shape)``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.view(self.target())


class Permute(torch.nn.Module):
    def __init__(self, dims: Sequence[int]) -> None:
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: Tensor) -> Tensor:
        return x.permute(self.dims)

    def extra_repr(self) -> str:
        return ", ".join(map(str, self.dims))


class Transpose(torch.nn.Module):
    def __init__(self, dim0: int, dim1: int) -> None:
        super().__init__()
        self.dim0, self.dim1 = dim0, dim1

    def forward(self, x: Tensor) -> Tensor:
        return x.transpose(self.dim0, self.dim1)

    def extra_repr(self) -> str:
        return f"{self.dim0}, {self.dim1}"


class Select(torch.nn.Module):
    def __init__(self, dim: int, index: int) -> None:
        super().__init__()
        self.dim, self.index = dim, index

    def forward(self, x: Tensor) -> Tensor:
        return x.select(self.dim, self.index)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, index={self.index}"


class Arange(torch.nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return torch.arange(x.shape[self.dim], device=x.device)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class ParameterTensor(torch.nn.Module):
    """A learned tensor of ``shape``, returned whatever the input."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(tuple(shape)).normal_(std=0.02))

    def forward(self, x: Tensor) -> Tensor:
        return self.weight


class BufferTensor(torch.nn.Module):
    """A tensor of ``shape`` kept as a buffer, returned whatever the input."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.register_buffer("value", torch.zeros(tuple(shape)))

    def forward(self, x: Tensor) -> Tensor:
        return self.get_buffer("value")


class Mean(torch.nn.Module):
    def __init__(self, dim: int | tuple[int, ...] | None, keepdim: bool) -> None:
        super().__init__()
        self.dim, self.keepdim = dim, keepdim

    def forward(self, x: Tensor) -> Tensor:
        if self.dim is None or self.dim == ():
            return x.mean().reshape([1] * x.dim()) if self.keepdim else x.mean()
        return x.mean(self.dim, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"


class Chunk(torch.nn.Module):
    def __init__(self, chunks: int, dim: int, index: int) -> None:
        super().__init__()
        self.chunks, self.dim, self.index = chunks, dim, index

    def forward(self, x: Tensor) -> Tensor:
        return x.chunk(self.chunks, self.dim)[self.index]

    def extra_repr(self) -> str:
        return f"{self.chunks}, dim={self.dim}, index={self.index}"


class Split(torch.nn.Module):
    def __init__(self, split_size_or_sections: int | tuple[int, ...], dim: int, index: int) -> None:
        super().__init__()
        self.split_size_or_sections, self.dim, self.index = split_size_or_sections, dim, index

    def forward(self, x: Tensor) -> Tensor:
        sections = self.split_size_or_sections
        pieces: tuple[Tensor, ...] = torch.split(x, sections if isinstance(sections, int) else list(sections), self.dim)
        return pieces[self.index]

    def extra_repr(self) -> str:
        return f"{self.split_size_or_sections}, dim={self.dim}, index={self.index}"


def causal_mask(x: Tensor, batch_first: bool) -> Tensor:
    """The ``(L, L)`` float mask of ``-inf`` above the diagonal for the sequence ``x`` (``(L, N, E)``,
    ``(N, L, E)`` with ``batch_first``, or ``(L, E)``): torch's ``is_causal`` is only a hint that needs it."""
    length = x.shape[-2] if batch_first or x.dim() == 2 else x.shape[0]
    return torch.nn.Transformer.generate_square_subsequent_mask(length, device=x.device, dtype=x.dtype)


def _call(layer: torch.nn.Module, x: Tensor, options: Mapping[str, bool]) -> Any:
    """``layer(x)``; attention as self-attention (``x`` is query, key and value) with ``options``, causal
    with ``is_causal`` (the mask passed with the hint)."""
    if isinstance(layer, torch.nn.MultiheadAttention):
        forward: Any = torch.nn.MultiheadAttention.forward
        mask = causal_mask(x, layer.batch_first) if options.get("is_causal") else None
        return forward(layer, x, x, x, attn_mask=mask, **options)
    return layer(x)


class Pick(torch.nn.Module):
    """``layer(x)[i][j]...``: one tensor of a tuple-returning layer (``out, _ = self.lstm(x)``)."""

    def __init__(self, layer: torch.nn.Module, index: Sequence[int], options: Mapping[str, bool]) -> None:
        super().__init__()
        self.layer = layer
        self.index = tuple(index)
        self.options = dict(options)

    def forward(self, x: Tensor) -> Tensor:
        out = _call(self.layer, x, self.options)
        for i in self.index:
            out = out[i]
        return out  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        return ", ".join([*map(str, self.index), *(f"{k}={v}" for k, v in self.options.items())])


class SelfAttention(torch.nn.MultiheadAttention):
    """``MultiheadAttention`` called on one tensor (query, key and value), as it ends a chain; returns the tuple."""

    def forward(self, x: Tensor, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return _call(self, x, kwargs)


class TransformerEncoderLayer(torch.nn.TransformerEncoderLayer):
    """torch's layer with its forward's ``is_causal`` fixed: causal, it passes the causal mask with the hint."""

    def __init__(self, *args: Any, is_causal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_causal = is_causal

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        if self.is_causal and src_mask is None:
            src_mask, is_causal = causal_mask(src, self.self_attn.batch_first), True
        return super().forward(src, src_mask, src_key_padding_mask, is_causal)

    def extra_repr(self) -> str:
        return "is_causal=True" if self.is_causal else ""


class ClassToken(torch.nn.Module):
    """``torch.cat([class_token.expand(N, -1, -1), x], dim=1)`` with a learned ``(1, 1, dim)`` token."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.class_token = torch.nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x: Tensor) -> Tensor:
        token = self.class_token.expand(*x.shape[:-2], 1, -1)
        return torch.cat([token, x], dim=-2)


class PositionalEmbedding(torch.nn.Module):
    """``x + pos_embedding``, a learned ``(1, seq_len, dim)``."""

    def __init__(self, seq_len: int, dim: int) -> None:
        super().__init__()
        self.pos_embedding = torch.nn.Parameter(torch.empty(1, seq_len, dim).normal_(std=0.02))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.pos_embedding


class Scale(torch.nn.Module):
    """``x * weight``, a learned tensor of ``shape`` (layer scale)."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(tuple(shape)))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.weight


class TrainingOnly(torch.nn.Module):
    """A side branch run only in training mode (an auxiliary classifier); the input passes through."""

    def __init__(self, branch: torch.nn.Module) -> None:
        super().__init__()
        self.branch = branch

    def forward(self, x: Tensor) -> Tensor:
        return x
