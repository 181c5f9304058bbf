"""Vision Transformers, as ``torchvision.models.vision_transformer``.

``forward()`` as layers: ``conv_proj`` cuts the image into ``patch_size`` patches; ``flatten(2)`` and
``permute(0, 2, 1)`` (torchvision's ``x.reshape(n, hidden_dim, n_h * n_w).permute(0, 2, 1)``) make them
tokens; ``ClassToken`` prepends the class token; the encoder adds ``PositionalEmbedding`` and runs the
blocks; ``Select(1, 0)`` (``x[:, 0]``) takes the class token to the head. torchvision asserts the
image is ``image_size`` square, so the input is: ``("B", 3, 224, 224)`` by default.
"""

from __future__ import annotations

from shapecheck import nn
from shapecheck.models._common import Shape, model

__all__ = ["vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32"]


def encoder_block(hidden_dim: int, num_heads: int, mlp_dim: int, dropout: float, attention_dropout: float) -> nn.Sequential:
    """torchvision's ``EncoderBlock``: ``x = x + dropout(attention(ln_1(x)))``; ``x + mlp(ln_2(x))``."""
    attention = nn.Sequential(
        {
            "ln_1": nn.LayerNorm(hidden_dim, eps=1e-6),
            "self_attention": nn.Pick(
                nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout, batch_first=True), 0, need_weights=False
            ),
            "dropout": nn.Dropout(dropout),
        }
    )
    mlp = nn.Sequential(
        {
            "ln_2": nn.LayerNorm(hidden_dim, eps=1e-6),
            "mlp": nn.Sequential(
                nn.Linear(hidden_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_dim, hidden_dim), nn.Dropout(dropout)
            ),
        }
    )
    return nn.Sequential({"attention": nn.Add(attention, nn.Identity()), "mlp": nn.Add(mlp, nn.Identity())})


def _vit(
    patch_size: int,
    num_layers: int,
    num_heads: int,
    hidden_dim: int,
    mlp_dim: int,
    num_classes: int,
    image_size: int,
    shape: Shape | None,
) -> nn.Sequential:
    """torchvision's ``VisionTransformer`` (no ``representation_size``, dropouts 0)."""
    if shape is None:
        shape = ("B", 3, image_size, image_size)
    elif tuple(shape[-2:]) != (image_size, image_size):
        raise ValueError(f"ViT: torchvision requires an {image_size}x{image_size} image (image_size={image_size}), got shape {shape}")
    seq_length = (image_size // patch_size) ** 2 + 1
    layers = {f"encoder_layer_{i}": encoder_block(hidden_dim, num_heads, mlp_dim, 0.0, 0.0) for i in range(num_layers)}
    encoder = nn.Sequential(
        {
            "pos_embedding": nn.PositionalEmbedding(seq_length, hidden_dim),
            "dropout": nn.Dropout(0.0),
            "layers": nn.Sequential(layers),
            "ln": nn.LayerNorm(hidden_dim, eps=1e-6),
        }
    )
    return model(
        shape,
        conv_proj=nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size),
        flatten=nn.Flatten(2),
        permute=nn.Permute(0, 2, 1),
        class_token=nn.ClassToken(hidden_dim),
        encoder=encoder,
        select=nn.Select(1, 0),
        heads=nn.Sequential({"head": nn.Linear(hidden_dim, num_classes)}),
    )


def vit_b_16(*, num_classes: int = 1000, image_size: int = 224, shape: Shape | None = None) -> nn.Sequential:
    return _vit(16, 12, 12, 768, 3072, num_classes, image_size, shape)


def vit_b_32(*, num_classes: int = 1000, image_size: int = 224, shape: Shape | None = None) -> nn.Sequential:
    return _vit(32, 12, 12, 768, 3072, num_classes, image_size, shape)


def vit_l_16(*, num_classes: int = 1000, image_size: int = 224, shape: Shape | None = None) -> nn.Sequential:
    return _vit(16, 24, 16, 1024, 4096, num_classes, image_size, shape)


def vit_l_32(*, num_classes: int = 1000, image_size: int = 224, shape: Shape | None = None) -> nn.Sequential:
    return _vit(32, 24, 16, 1024, 4096, num_classes, image_size, shape)
