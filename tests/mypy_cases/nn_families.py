"""One mistake per layer family, at the layer; and the same family used correctly is silent."""

from shapecheck import nn

norm = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(16))  # E:42: BatchNorm2d expects 16 channels (dim 1), got 8
norm_ok = nn.Sequential(nn.Input("B", 3, 8, 8), nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.GroupNorm(2, 8), nn.InstanceNorm2d(8), nn.LayerNorm([8, 6, 6]), nn.LocalResponseNorm(2))
groupnorm = nn.GroupNorm(3, 8)  # E:13: GroupNorm: num_channels (8) must be divisible by num_groups (3)
layernorm = nn.Sequential(nn.Input("B", 10, 6), nn.LayerNorm(10))  # E:49: LayerNorm normalizes the last dims (10,); dim -1 is 6, not 10
bn1d_rank = nn.Sequential(nn.Input("B", 3, 4, 4), nn.BatchNorm1d(3))  # E:51: BatchNorm1d expects a 2D or 3D input, got a 4D input (B, 3, 4, 4)
activation = nn.Sequential(nn.Input("B", 4, 5), nn.PReLU(3))  # E:49: PReLU has 3 slopes but the input has 4 channels (dim 1)
activation_ok = nn.Sequential(nn.Input("B", 4), nn.ReLU(), nn.GELU(), nn.Softmax(dim=1), nn.LeakyReLU(0.1), nn.PReLU(4), nn.GLU(), nn.Tanh())
glu = nn.Sequential(nn.Input("B", 5), nn.GLU())  # E:39: GLU halves dim -1, which must be even, got 5
softmax = nn.Sequential(nn.Input("B", 5), nn.Softmax(dim=2))  # E:43: Softmax: dimension out of range (expected to be in range of [-2, 1], but got 2)
adaptive = nn.Sequential(nn.Input("B", 3, 32, 32), nn.AdaptiveAvgPool2d((7, 7)), nn.Flatten(), nn.Linear(3 * 6 * 6, 10))  # E:96: Linear expects 108 input features, got 147
adaptive_ok = nn.Sequential(nn.Input("B", 3, "H", "W"), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(3, 10))
dropout = nn.Sequential(nn.Input("B", 3, 4, 4), nn.Dropout1d(0.5))  # E:49: Dropout1d expects a 2D or 3D input, got a 4D input (B, 3, 4, 4)
dropout_p = nn.Dropout(1.5)  # E:13: Dropout: p has to be between 0 and 1, but got 1.5
padding = nn.Sequential(nn.Input("B", 3, 4, 4), nn.ZeroPad2d(1), nn.Flatten(), nn.Linear(48, 2))  # E:80: Linear expects 48 input features, got 108
reflect = nn.Sequential(nn.Input("B", 3, 4, 4), nn.ReflectionPad2d(4))  # E:49: ReflectionPad2d: reflect padding (4, 4) needs an input size > 4, got 4
upsample = nn.Sequential(nn.Input("B", 3, 4, 4), nn.Upsample(scale_factor=2), nn.Flatten(), nn.Linear(48, 2))  # E:93: Linear expects 48 input features, got 192
shuffle = nn.Sequential(nn.Input("B", 6, 4, 4), nn.PixelShuffle(2))  # E:49: PixelShuffle(2) needs channels (dim -3) divisible by upscale_factor**2 = 4, got 6
embedding = nn.Sequential(nn.Input("B", 7), nn.Embedding(100, 16), nn.Linear(8, 2))  # E:68: Linear expects 8 input features, got 16
unflatten = nn.Sequential(nn.Input("B", 12), nn.Unflatten(1, (3, 5)))  # E:46: Unflatten: sizes [3, 5] don't multiply up to the size of dim 1 (12)
bilinear = nn.Bilinear(3, 4, 0)
add = nn.Sequential(nn.Input("B", 3, 8, 8), nn.Add(nn.Conv2d(3, 8, 3), nn.Conv2d(3, 8, 1)))  # E:45: Add: the branches' outputs do not broadcast at dim 2: branch 0 has 6, branch 1 has 8 (branch 0 (0.0) gives (B, 8, 6, 6); branch 1 (0.1) gives (B, 8, 8, 8))
concat_ok = nn.Sequential(nn.Input("B", 3, 8, 8), nn.Concat(nn.Conv2d(3, 8, 1), nn.Conv2d(3, 4, 3, padding=1)), nn.Conv2d(12, 2, 1))
reshape = nn.Sequential(nn.Input("B", 12), nn.Reshape(-1, 5))  # E:44: Reshape: shape [-1, 5] is invalid for input (B, 12) of 12*B elements
permute = nn.Sequential(nn.Input("B", 3, 4), nn.Permute(0, 2, 1), nn.Linear(4, 2))  # E:67: Linear expects 4 input features, got 3

# a ResNet bottleneck written out, one width wrong inside the residual branch: reported at that line
bottleneck = nn.Sequential(
    nn.Input("B", 256, 56, 56),
    nn.Add(
        nn.Sequential(
            nn.Conv2d(256, 64, 1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 64, 3, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 256, 1, bias=False),  # E:13: Conv2d expects 128 input channels, got 64
            nn.BatchNorm2d(256),
        ),
        nn.Identity(),
    ),
    nn.ReLU(inplace=True),
)
