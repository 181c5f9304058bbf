"""``torch.nn`` modules that are compositions of layers the op table has, written as torch writes them.

``nn.Transformer`` is an encoder stack and a decoder stack; ``nn.TransformerDecoder`` applies copies of
one ``TransformerDecoderLayer`` to ``(tgt, memory)``. Rather than a rule of their own, they are the
Python below (after ``torch/nn/modules/transformer.py``), read by the interpreter like a file of the
user's: built from ``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer`` and
``LayerNorm``, whose rules and counts are ``shapecheck.nn``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shapecheck.static.values import Value

if TYPE_CHECKING:
    from shapecheck.static.interpreter import Interpreter

__all__ = ["prelude_class"]

PATH: Final = "<torch.nn as shapecheck reads it>"

SOURCE: Final = """\
import copy
import torch.nn as nn


class TransformerDecoder(nn.Module):
    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = nn.ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        output = tgt
        for mod in self.layers:
            output = mod(output, memory)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(nn.Module):
    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        block = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        self.encoder = custom_encoder if custom_encoder is not None else nn.TransformerEncoder(
            nn.TransformerEncoderLayer(*block), num_encoder_layers, nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            nn.TransformerDecoderLayer(*block), num_decoder_layers, nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask)
        return self.decoder(tgt, memory)
"""

_CLASSES: Final = {"torch.nn.Transformer": "Transformer", "torch.nn.TransformerDecoder": "TransformerDecoder"}


def prelude_class(interp: Interpreter, name: str) -> Value | None:
    """The class standing for the ``torch.nn`` module ``name`` (``torch.nn.Transformer``), or None."""
    short = _CLASSES.get(name)
    if short is None:
        return None
    if interp.prelude is None:
        interp.prelude = interp.load(SOURCE, PATH)
    return interp.prelude.scope.lookup(short)[1]
