"""Invalid layer arguments are errors at the layer call, inside a chain or not, said once."""

from shapecheck import nn

kernel = nn.Conv2d(3, 64, 0)  # E: Conv2d: kernel_size must be positive, got 0
groups = nn.Conv2d(6, 4, 3, groups=4)  # E: Conv2d: in_channels must be divisible by groups, got 6 and groups=4
out_groups = nn.Conv1d(4, 6, 3, groups=4)  # E: Conv1d: out_channels must be divisible by groups, got 6 and groups=4
tuple_len = nn.Conv2d(3, 4, (3, 3, 3))  # E: Conv2d: kernel_size must be an int or a sequence of 2 ints, got (3, 3, 3)
stride_len = nn.Conv2d(3, 4, 3, stride=(1, 2, 3))  # E: Conv2d: stride must be an int or a sequence of 1 or 2 ints, got (1, 2, 3)
own_name = nn.TransformerEncoderLayer(d_model=-1, nhead=2)  # E: TransformerEncoderLayer: d_model must be positive, got -1
mode = nn.Conv2d(3, 4, 3, padding_mode="mirror")  # E: Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'
same = nn.Conv2d(3, 4, 3, stride=2, padding="same")  # E: Conv2d: padding='same' is not supported for strided convolutions
transposed_pad = nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)  # E: ConvTranspose2d: output_padding must be smaller than either stride or dilation, got output_padding=(2, 2), stride=(2, 2), dilation=(1, 1)
pool_pad = nn.MaxPool2d(3, padding=2)  # E: MaxPool2d: padding should be at most half of kernel_size, got padding=2 and kernel_size=3
negative = nn.Linear(-1, 3)  # E: Linear: in_features must be non-negative, got -1
boolean = nn.Linear(3, True)  # E: Linear: out_features must be an int, got bool True
past_int64 = nn.Linear(9223372036854775808, 4)  # E: Linear: in_features must be at most 9223372036854775807 (torch holds it as an int64), got 9223372036854775808
no_dims = nn.Input()  # E: Input needs at least one dim, e.g. Input('B', 3, 224, 224)
bad_dim = nn.Input("B", -3)  # E: Input: dim 1 must be non-negative, got -3
bad_name = nn.Input("B", "H W")  # E: a symbolic dimension must be a name such as 'B' or an expression of names such as '16*h' or '2*n + 1' (ints, names, + - * //), got 'H W'

# Inside a chain: reported once, at the layer; the chain goes on silently after it.
chain = nn.Sequential(
    nn.Conv2d(3, 8, 3),
    nn.Conv2d(8, 8, 0),  # E: Conv2d: kernel_size must be positive, got 0
    nn.Conv2d(99, 8, 3),
)

# Spellings torch runs are not errors: a sequence of one is repeated for every axis, an empty pool
# stride is the kernel size, and the chain is checked through them (to the Linear's 37).
spellings = nn.Sequential(
    nn.Input("B", 4, 32, 32),
    nn.Conv2d(4, 4, 3, stride=(2,)),
    nn.MaxPool2d((2,)),
    nn.MaxPool2d(2, stride=()),
    nn.Flatten(),
    nn.Linear(37, 10),  # E: Linear expects 37 input features, got 36
)

# A type mypy already rejects is not reported twice.
typed = nn.Linear("3", 4)  # type: ignore[arg-type]
