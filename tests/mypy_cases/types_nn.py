"""Shapes in types, shapecheck.nn: what reveal_type shows for chains built with shapecheck.nn."""

from shapecheck import nn

vgg_head = nn.Sequential(nn.Input("B", 512, 7, 7), nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Linear(4096, 1000))
reveal_type(vgg_head)  # R: shapecheck.nn.module.Sequential[Literal['(B, 512, 7, 7) -> (B, 1000)']]
strided = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.Conv2d(3, 8, 3, stride=2), nn.ReLU())
reveal_type(strided)  # R: shapecheck.nn.module.Sequential[Literal['(B, 3, H, W) -> (B, 8, (H + 1)//2 - 1, (W + 1)//2 - 1) where H >= 3, W >= 3']]
later = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(288, 2)).with_input("B", 3, 8, 8)
reveal_type(later)  # R: shapecheck.nn.module.Sequential[Literal['(B, 3, 8, 8) -> (B, 2)']]
neighbours = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
reveal_type(neighbours)  # R: shapecheck.nn.module.Sequential[Literal['(...) -> (..., 8, ?, ?)']]
nested = nn.Sequential(nn.Input("B", 4), nn.Sequential(nn.Linear(4, 8), nn.ReLU()), nn.Linear(8, 2))
reveal_type(nested)  # R: shapecheck.nn.module.Sequential[Literal['(B, 4) -> (B, 2)']]

# What is not checked keeps mypy's type.
broken = nn.Sequential(nn.Input("B", 4), nn.Linear(5, 2))  # E: Linear expects 5 input features, got 4
reveal_type(broken)  # R: shapecheck.nn.module.Sequential
unknown_parts = nn.Sequential(*[nn.ReLU()])
reveal_type(unknown_parts)  # R: shapecheck.nn.module.Sequential
