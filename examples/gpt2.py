"""GPT-2 small (Radford et al., 2019) in shapecheck.nn: tied embeddings, causal attention, a context window.

Run from the repository root:  python examples/gpt2.py

The token embedding ``wte`` and the output head share one weight (``lm_head.weight = wte.weight``), so
the model has 124,439,808 parameters, as torch counts them; the blocks are pre-norm causal
Transformer layers, and ``to_torch`` keeps them causal. The context window is a declared bound:
``Input("B", "T", where="T <= 1024")``.
"""

from __future__ import annotations

import shapecheck
from shapecheck import nn

VOCAB, CONTEXT, WIDTH, HEADS, LAYERS = 50257, 1024, 768, 12, 12


def gpt2() -> nn.Sequential:
    wte = nn.Embedding(VOCAB, WIDTH)
    lm_head = nn.Linear(WIDTH, VOCAB, bias=False)
    lm_head.weight = wte.weight  # tied, as GPT-2's lm_head and wte are
    blocks = [
        nn.TransformerEncoderLayer(
            WIDTH, HEADS, 4 * WIDTH, dropout=0.1, activation="gelu", batch_first=True, norm_first=True, is_causal=True
        )
        for _ in range(LAYERS)
    ]
    return nn.Sequential(
        nn.Input("B", "T", where=f"T <= {CONTEXT}"),
        nn.Add(wte, nn.Sequential(nn.Arange(1), nn.Embedding(CONTEXT, WIDTH))),  # wte(idx) + wpe(arange(T))
        nn.Dropout(0.1),
        *blocks,
        nn.LayerNorm(WIDTH),
        lm_head,
    )


def main() -> None:
    model = gpt2()
    print("GPT-2 small on token ids (B, T):")
    print(f"  output shape:     {model.output_shape}")
    print(f"  input conditions: {', '.join(model.conditions)}")
    print(f"  parameters:       {shapecheck.count_params(model):,} (wte and lm_head share one weight)")
    print(f"  MACs at B=1, T=1024: {shapecheck.count_macs(model, B=1, T=1024):,}")


if __name__ == "__main__":
    main()
