"""The forward interpreter on the code people write: nn.Module classes, unannotated, checked without running.

Each test is a small model file as a user writes it, with the exact finding (or the silence) expected.
Whether torch agrees is tested on real model files (``test_corpus``) and on random programs
(``test_static_differential``); here the messages, lines, coverage and bounds are pinned down.
"""

from __future__ import annotations

import textwrap

import pytest

from shapecheck.static import FileReport, analyze_source


def analyze(source: str) -> FileReport:
    return analyze_source(textwrap.dedent(source), "model.py")


def line_of(source: str, text: str) -> int:
    """The 1-based line of the one line of ``source`` containing ``text``."""
    (line,) = [n for n, t in enumerate(textwrap.dedent(source).splitlines(), 1) if text in t]
    return line


LENET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(FEATURES, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
"""


def test_a_wrong_layer_in_an_unannotated_module_is_found_at_the_forward_line() -> None:
    source = "FEATURES = 85\n" + LENET
    (finding,) = analyze(source).findings
    assert (finding.line, finding.message) == (line_of(source, "x = self.fc3(x)"), "Linear expects 85 input features, got 84")
    defined = line_of(source, "self.fc3 =")
    assert finding.notes[0] == f"in self.fc3 = Linear(in_features=85, out_features=10, bias=True), defined at line {defined}"
    assert finding.notes[-1] == "fix: Linear(84, 10)"
    assert finding.notes[1].startswith("derived: 84 by self.fc2 = Linear(in_features=120, out_features=84, bias=True) on (B, 120)")


def test_the_correct_model_is_silent_and_states_its_input_conditions() -> None:
    report = analyze("FEATURES = 84\n" + LENET)
    assert report.findings == []
    (model,) = report.models
    assert (model.name, model.inputs, model.output) == ("Net", "x: (B, 3, H, W)", "(B, 10)")
    assert model.complete and model.steps >= 10
    assert "H >= 16" in model.conditions and "W >= 16" in model.conditions


RESNET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super(BasicBlock, self).__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion * planes),
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super(ResNet, self).__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.linear = nn.Linear(LINEAR * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def ResNet18():
    return ResNet(BasicBlock, [2, 2, 2, 2])
"""


def test_helpers_loops_and_custom_blocks_are_followed() -> None:
    report = analyze(RESNET.replace("LINEAR", "512"))
    assert report.findings == []
    (model,) = report.models
    assert model.name == "ResNet18(): ResNet"  # named after the factory that built it
    assert (model.inputs, model.output) == ("x: (B, 3, H, W)", "(B, 10)")
    assert model.complete
    assert "((H + 7)//32)*((W + 7)//32) == 1" in model.conditions  # avg_pool2d(4) must leave 1x1 for the view


def test_a_mismatch_no_input_size_can_fix_is_an_error_with_the_reason() -> None:
    source = RESNET.replace("LINEAR", "256")
    (finding,) = analyze(source).findings
    assert finding.line == line_of(source, "out = self.linear(out)") and finding.message == "Linear expects 256 input features, got 512*((H + 7)//32)*((W + 7)//32)"
    assert "for no input size: 512*((H + 7)//32)*((W + 7)//32) is a multiple of 512, 256 is not" in finding.notes


def test_a_mismatch_some_size_fixes_is_a_condition_unless_the_file_states_the_size() -> None:
    source = RESNET.replace("LINEAR", "512").replace("F.avg_pool2d(out, 4)", "F.avg_pool2d(out, 8)")
    assert analyze(source).findings == []  # fits a 64x64 input
    stated = source + "\n\ndef test():\n    net = ResNet18()\n    return net(torch.randn(1, 3, 32, 32))\n"
    (finding,) = analyze(stated).findings
    assert finding.line == line_of(source, "F.avg_pool2d(out, 8)") and finding.message == "AvgPool2d output H would be 0: input H 4 is too small for kernel 8"


def test_a_residual_that_does_not_add_up_is_found_in_the_block() -> None:
    source = RESNET.replace("LINEAR", "512").replace("stride=1, padding=1, bias=False)\n        self.bn2", "stride=2, padding=1, bias=False)\n        self.bn2")
    stated = source + "\n\ndef test():\n    return ResNet18()(torch.randn(1, 3, 32, 32))\n"
    (finding,) = analyze(stated).findings
    assert finding.line == line_of(source, "out += self.shortcut(x)")
    assert finding.message == "'+': shapes (1, 64, 16, 16) and (1, 64, 32, 32) do not broadcast: dim -2 is 16 in one and 32 in the other"


def test_layers_chosen_by_an_unknown_condition_are_joined_never_guessed() -> None:
    report = analyze(
        """
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self, wide):
                super().__init__()
                if wide:
                    self.fc = nn.Linear(2048, 10)
                else:
                    self.fc = nn.Linear(512, 10)
                self.proj = nn.Linear(512, 512)

            def forward(self, x):
                return self.fc(self.proj(x))
        """
    )
    assert report.findings == []
    (model,) = report.models
    assert model.gaps and "constructor arguments not known: wide" in model.gaps[0].reason


def test_a_config_class_gives_its_defaults() -> None:
    report = analyze(
        """
        from dataclasses import dataclass
        import torch
        import torch.nn as nn

        @dataclass
        class Config:
            n_embd: int = 64
            n_head: int = 4
            vocab_size: int = 100
            block_size: int = 16

        class Attention(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
                self.proj = nn.Linear(config.n_embd, config.n_embd)
                self.n_head = config.n_head

            def forward(self, x):
                B, T, C = x.size()
                q, k, v = self.qkv(x).split(C, dim=2)
                q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                att = q @ k.transpose(-2, -1)
                y = att @ v
                y = y.transpose(1, 2).contiguous().view(B, T, C)
                return self.proj(y)

        class GPT(nn.Module):
            def __init__(self, config: Config):
                super().__init__()
                self.wte = nn.Embedding(config.vocab_size, config.n_embd)
                self.wpe = nn.Embedding(config.block_size, config.n_embd)
                self.blocks = nn.ModuleList([Attention(config) for _ in range(2)])
                self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)

            def forward(self, idx):
                b, t = idx.size()
                pos = torch.arange(0, t, dtype=torch.long)
                x = self.wte(idx) + self.wpe(pos)
                for block in self.blocks:
                    x = x + block(x)
                return self.head(x)
        """
    )
    assert report.findings == []
    gpt = next(m for m in report.models if m.name == "GPT")
    assert (gpt.inputs, gpt.output) == ("idx: (B, T)", "(B, T, 100)")
    assert gpt.complete


def test_what_is_not_followed_is_said_with_the_line() -> None:
    source = """
        import torch.nn as nn
        from mylib import fancy_op

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 10)

            def forward(self, x):
                x = self.fc(x)
                x = fancy_op(x)
                return self.fc(x)
        """
    report = analyze(source)
    (model,) = report.models
    assert not model.complete
    assert [str(g) for g in model.gaps] == [f"line {line_of(source, 'fancy_op(x)')}: unknown call mylib.fancy_op()"]


def test_comments_that_silence_a_line() -> None:
    source = "FEATURES = 85\n" + LENET
    for comment in ("# type: ignore", "# type: ignore[shape]", "# shapecheck: ignore"):
        assert analyze(source.replace("x = self.fc3(x)", f"x = self.fc3(x)  {comment}")).findings == []
    assert analyze(source.replace("x = self.fc3(x)", "x = self.fc3(x)  # type: ignore[arg-type]")).findings != []


def test_a_syntax_error_is_a_file_not_checked() -> None:
    report = analyze("import torch\nclass Net(nn.Module:\n    pass\n")
    assert report.error is not None and report.error.startswith("syntax error at line 2: ")


def test_a_file_without_models_is_skipped_fast() -> None:
    report = analyze("def f(x):\n    return x + 1\n")
    assert report.models == [] and report.findings == [] and report.error is None


@pytest.mark.parametrize(
    "body",
    [
        "while True:\n    pass",
        "def f(n):\n    return f(n + 1)\nf(0)",
        "x = [1]\nfor _ in range(10**9):\n    x.append(x)",
        "x = 'a' * 10**9",
        "x = 10 ** 10 ** 10",
    ],
)
def test_hostile_code_costs_a_bounded_time_and_never_raises(body: str) -> None:
    report = analyze("import torch\n" + body)
    assert report.findings == []


# -- cases found by the differential test (tests/test_static_differential.py) --------------------
def findings(source: str) -> list[tuple[int, str]]:
    """(line, message) of every finding in ``source``."""
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert report.error is None, report.error
    return [(f.line, f.message) for f in report.findings]


HEADER = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def test():
    x = torch.randn(2, 3, 4, 4)
"""


@pytest.mark.parametrize(
    "statement, message",
    [
        ("y = F.adaptive_avg_pool2d(x, 1).squeeze(4)", "squeeze: dimension out of range (expected to be in range of [-4, 3], but got 4)"),
        ("y = x.narrow(4, 0, 1)", "narrow: dimension out of range (expected to be in range of [-4, 3], but got 4)"),
        ("y = torch.stack([x, x], dim=6)", "stack: dimension out of range (expected to be in range of [-5, 4], but got 6)"),
        ("y = x.movedim(0, 5)", "movedim: dimension out of range (expected to be in range of [-4, 3], but got 5)"),
    ],
)
def test_a_dim_out_of_range_is_a_finding_not_a_crash(statement: str, message: str) -> None:
    """Handlers that check a dim themselves (not through a layer) report it at the call."""
    assert findings(HEADER + f"    {statement}\n    return y\n") == [(8, message)]


@pytest.mark.parametrize(
    "statement, message",
    [
        ("y = F.avg_pool2d(x, 3, 3, 2)", "AvgPool2d: padding should be at most half of kernel_size, got padding=2 and kernel_size=3"),
        ("y = F.max_pool2d(x, kernel_size=2, padding=2)", "MaxPool2d: padding should be at most half of kernel_size, got padding=2 and kernel_size=2"),
        ("y = F.interpolate(x)", "Upsample: either size or scale_factor should be defined"),
    ],
)
def test_functional_arguments_torch_rejects_are_findings(statement: str, message: str) -> None:
    """``F.avg_pool2d(x, 3, 3, 2)``: torch rejects the padding whatever the input, as ``nn.AvgPool2d``'s
    constructor does; the interpreter reports it at the call instead of giving up on the value."""
    assert findings(HEADER + f"    {statement}\n    return y\n") == [(8, message)]


def test_a_tensor_compared_is_a_bool_tensor_of_the_broadcast_shape() -> None:
    """nanoGPT's ``att.masked_fill(self.mask[:, :T, :T] == 0, ...)``: the comparison keeps the mask's
    shape, so a mask shorter than the sequence is found."""
    source = """\
        import torch
        import torch.nn as nn


        class Attention(nn.Module):
            def __init__(self, block_size=4):
                super().__init__()
                self.register_buffer("mask", torch.tril(torch.ones(block_size, block_size)).view(1, block_size, block_size))

            def forward(self, x):
                T = x.size(1)
                att = x @ x.transpose(1, 2)
                att = att.masked_fill(self.mask[:, :T, :T] == 0, float("-inf"))
                return att


        def test():
            return Attention()(torch.randn(2, 5, 8))
        """
    assert findings(source) == [(13, "masked_fill: shapes (2, 5, 5) and (1, 4, 4) do not broadcast: dim -2 is 5 in one and 4 in the other")]
    assert findings(source.replace("torch.randn(2, 5, 8)", "torch.randn(2, 3, 8)")) == []


@pytest.mark.parametrize(
    "layer, call, message",
    [
        ("nn.LSTM(4, 6, num_layers=2, batch_first=True)", "out, (h, c) = self.rnn(x, (h0, torch.zeros(2, x.size(0), 6)))", "LSTM expects the initial state h_0 of shape (2, 2, 6), got (2, 2, 7)"),
        ("nn.LSTM(4, 7, num_layers=2, batch_first=True)", "out, (h, c) = self.rnn(x, (h0, torch.zeros(2, x.size(0), 6)))", "LSTM expects the initial state c_0 of shape (2, 2, 7), got (2, 2, 6)"),
        ("nn.GRU(4, 6, batch_first=True, bidirectional=True)", "out, h = self.rnn(x, h0)", "GRU expects the initial state h_0 of shape (2, 2, 6), got (2, 2, 7)"),
        ("nn.GRU(4, 7)", "out, h = self.rnn(x, hx=h0[:1])", "GRU expects the initial state h_0 of shape (1, 5, 7), got (1, 2, 7)"),
        ("nn.GRU(4, 7)", "out, h = self.rnn(x.transpose(0, 1), hx=h0[:1])", None),
        ("nn.LSTM(4, 7, num_layers=2, batch_first=True)", "out, (h, c) = self.rnn(x, (h0, h0))", None),
    ],
)
def test_initial_states_of_a_recurrent_layer_have_the_final_states_shape(layer: str, call: str, message: str | None) -> None:
    """``lstm(x, (h0, c0))``: torch checks each initial state against ``(D*num_layers, N, H_out)``
    (``N`` is dim 1 without ``batch_first``)."""
    source = f"""\
        import torch
        import torch.nn as nn


        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = {layer}

            def forward(self, x):
                h0 = torch.zeros(2, x.size(0), 7)
                {call}
                return out


        def test():
            return Encoder()(torch.randn(2, 5, 4))
        """
    assert findings(source) == ([(12, message)] if message else [])


def test_an_int_index_into_a_symbolic_dim_is_an_input_condition() -> None:
    """``x[:, :, 6]`` after a 3x3 convolution needs ``H - 2 > 6``: listed with the model's conditions."""
    source = """\
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)

            def forward(self, x):
                x = self.conv(x)
                return x[:, :, 6], x[..., -4, :]
        """
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert report.findings == []
    [model] = report.models
    assert model.output == "((B, 8, W - 2), (B, 8, W - 2))"
    assert model.conditions == ["H >= 9", "W >= 3"]


def test_modules_named_by_f_strings_are_followed() -> None:
    """``setattr(self, f"fc_{i}", ...)`` and ``getattr(self, f"fc_{i}")``: the name is known, so are the layers."""
    source = """\
        import torch
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                for i in range(2):
                    setattr(self, f"fc_{i}", nn.Linear(6, 7))
                self.body = nn.Sequential()
                for i, width in enumerate([4, 8]):
                    self.body.add_module(f"layer{i:02d}", nn.Linear(6, width))

            def forward(self, x):
                y = self.body(x)
                for i in range(2):
                    x = getattr(self, f"fc_{i}")(x)
                return x, y


        def test():
            return Net()(torch.randn(2, 6))
        """
    assert findings(source) == [(15, "Linear expects 6 input features, got 4"), (17, "Linear expects 6 input features, got 7")]


def test_a_module_added_under_a_name_not_known_makes_the_container_unknown() -> None:
    """An ``add_module`` the interpreter cannot follow leaves the Sequential's layers unknown: it is not
    an empty Sequential (which would pass ``x`` through and make ``self.head`` look wrong)."""
    source = """\
        import torch
        import torch.nn as nn
        from names import layer_name


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential()
                self.body.add_module(layer_name(0), nn.Linear(6, 16))
                self.head = nn.Linear(16, 2)

            def forward(self, x):
                return self.head(self.body(x))


        def test():
            return Net()(torch.randn(2, 6))
        """
    assert findings(source) == []
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert [str(gap) for model in report.models for gap in model.gaps] == ["line 14: a Sequential whose layers are not known"]


def test_a_max_pool_returning_indices_gives_a_pair_when_called() -> None:
    """``y, idx = self.pool(x)`` with ``return_indices=True`` is what the flag is for; only in a chain,
    where the pair would feed the next layer, is it an error."""
    source = """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.pool = nn.MaxPool2d(2, return_indices=True)
                self.gpool = nn.AdaptiveMaxPool2d(1, return_indices=True)
                self.chain = nn.Sequential(nn.MaxPool2d(2, return_indices=True), nn.ReLU())

            def forward(self, x):
                y, idx = self.pool(x)
                z, _ = F.max_pool2d(x, 2, return_indices=True)
                g, _ = self.gpool(x)
                return y + z, idx, g.flatten(1)


        def test():
            return Net()(torch.randn(2, 3, 8, 8))
        """
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert [(f.line, f.message) for f in report.findings] == [(11, "MaxPool2d(return_indices=True) returns (output, indices): a tuple cannot feed the next layer")]
    assert report.models[0].output == "((2, 3, 4, 4), (2, 3, 4, 4), (2, 3))"


@pytest.mark.parametrize(
    "bias, call, message",
    [
        ("torch.zeros(5)", "F.linear(x.flatten(1), self.w, self.b)", "F.linear: the bias (5,) does not fit the 4 output features (weight (4, 12))"),
        ("torch.zeros(1)", "F.linear(x.flatten(1), self.w, self.b)", None),
        ("torch.zeros(3, 4)", "F.linear(x.flatten(1).unsqueeze(1).expand(-1, 3, -1), self.w, self.b)", None),
        ("torch.zeros(9)", "F.conv2d(x, self.k, self.b, padding=1)", "F.conv2d: a weight of 8 output channels expects a bias of shape (8,), got (9,)"),
        ("torch.zeros(8, 1)", "F.conv2d(x, self.k, self.b, padding=1)", "F.conv2d: a weight of 8 output channels expects a bias of shape (8,), got (8, 1)"),
        ("torch.zeros(8)", "F.conv2d(x, self.k, bias=self.b, padding=1)", None),
    ],
)
def test_the_bias_of_a_functional_layer_fits_its_weight(bias: str, call: str, message: str | None) -> None:
    source = f"""\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(4, 12))
                self.k = nn.Parameter(torch.randn(8, 3, 3, 3))
                self.b = nn.Parameter({bias})

            def forward(self, x):
                return {call}


        def test():
            return Net()(torch.randn(2, 3, 2, 2))
        """
    assert findings(source) == ([(14, message)] if message else [])


def test_a_tuple_of_tensors_where_torch_needs_a_tensor_is_found() -> None:
    """``self.fc(self.lstm(x))``: the LSTM returns ``(output, (h_n, c_n))``; a layer, an ``F.*`` function
    or a tensor method given that tuple fails in torch whatever the sizes."""
    source = """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(4, 8, batch_first=True)
                self.fc = nn.Linear(8, 2)
                self.pool = nn.MaxPool2d(2, return_indices=True)

            def forward(self, x, img):
                y = self.lstm(x)
                a = self.fc(y)
                b = F.relu(self.lstm(x))
                c = self.pool(img).flatten(1)
                d = self.lstm(x)[0]
                return a, b, c, self.fc(d)
        """
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert [(f.line, f.message) for f in report.findings] == [
        (15, "Linear expects a tensor, got a tuple of 2 values"),
        (16, "relu(): the input must be a tensor, got a tuple of 2 values"),
        (17, "'tuple' object has no attribute 'flatten'"),
    ]
    assert report.findings[0].notes == ("the value is a tuple ((B, T, 8), ((1, B, 8), (1, B, 8))): unpack it (out, _ = ...) or index it",)
    assert report.models[0].output.endswith("(B, T, 2))")


def test_a_broadcast_that_holds_only_if_a_size_is_1_is_an_input_condition() -> None:
    """``x - x.mean(dim=1)`` (no keepdim) pairs the 8 channels with the batch ``B``: torch accepts it for
    ``B`` 1 or 8 only, the model's input condition; the result has the 8 channels."""
    source = """\
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)

            def forward(self, x):
                x = self.conv(x)
                return x - x.mean(dim=1)
        """
    report = analyze_source(textwrap.dedent(source), "model.py")
    assert report.findings == []
    [model] = report.models
    assert model.complete
    assert model.conditions == ["H >= 3", "W >= 3", "B == 8 or B == 1"]
    assert model.output == "(B, 8, H - 2, W - 2)"
    assert findings(source.replace("x.mean(dim=1)", "x.mean(dim=1, keepdim=True)")) == []
    assert analyze_source(textwrap.dedent(source.replace("x.mean(dim=1)", "x.mean(dim=1, keepdim=True)")), "model.py").models[0].complete


def test_a_block_built_by_a_model_is_checked_with_its_arguments_not_alone() -> None:
    """Inception needs constructor arguments; GoogLeNet, defined after it, builds it with them. The block is
    checked through the model (its mistake found at its line), not listed as a model followed only in part."""
    source = """
        import torch
        import torch.nn as nn

        class Inception(nn.Module):
            def __init__(self, cin, n1, n3):
                super().__init__()
                self.b1 = nn.Conv2d(cin, n1, 1)
                self.b2 = nn.Conv2d(cin, n3, 3, padding=1)

            def forward(self, x):
                return torch.cat([self.b1(x), self.b2(x)], 1)

        class GoogLeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Inception(3, 8, 16)
                self.b = Inception(32, 8, 8)

            def forward(self, x):
                return self.b(self.a(x))
        """
    report = analyze(source)
    assert [(m.name, m.complete) for m in report.models] == [("GoogLeNet", True)]
    assert [(f.line, f.message) for f in report.findings] == [
        (line_of(source, "self.b1(x), self.b2(x)"), "Conv2d expects 32 input channels, got 24")
    ]
    built, inside = line_of(source, "Inception(32, 8, 8)"), line_of(source, "nn.Conv2d(cin, n1, 1)")
    assert report.findings[0].notes[0].endswith(f"defined at line {built} (in Inception at line {inside})")
    assert report.findings[0].notes[-1] == f"fix: Inception(24, 8, 8) (line {built})"
    fixed = source.replace("Inception(32, 8, 8)", "Inception(24, 8, 8)").replace("class GoogLeNet", "class Net")
    assert not _runs_in_torch(source.replace("class GoogLeNet", "class Net"), (1, 3, 8, 8)) and _runs_in_torch(fixed, (1, 3, 8, 8))
    assert analyze(fixed).findings == []


HELPER_NET = """
import torch.nn as nn

def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv_bn(3, 16)
        self.b = conv_bn(32, 64)

    def forward(self, x):
        return self.b(self.a(x))
"""
"""A helper of the file that builds a layer, called once with the wrong in_channels (``conv_bn(32, 64)``)."""


def test_a_layer_a_helper_built_names_the_call_then_the_helper_line() -> None:
    """``conv_bn(32, 64)`` is the mistake the user made; the Conv2d inside the helper is where it shows. The
    finding names the call line first and the helper's line second, as construction-time errors do."""
    source = HELPER_NET
    (finding,) = analyze(source).findings
    call, inside = line_of(source, "conv_bn(32, 64)"), line_of(source, "nn.Conv2d(cin, cout")
    assert finding.message == "Conv2d expects 32 input channels, got 16"
    assert finding.notes[0] == (
        "in self.b[0] = Conv2d(32, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)), "
        f"defined at line {call} (in conv_bn at line {inside})"
    )
    assert finding.defined_at == call
    assert finding.notes[-1] == f"fix: conv_bn(16, 64) (line {call})"  # the helper's body is right for conv_bn(3, 16)
    for text, fails in ((source, True), (source.replace("conv_bn(32, 64)", "conv_bn(16, 64)"), False)):
        assert _runs_in_torch(text, (2, 3, 8, 8)) is not fails
        assert bool(analyze(text).findings) is fails


def test_of_two_equal_literals_the_fix_is_the_one_that_checks_and_none_that_changes_more() -> None:
    """``conv_bn(32, 32)``: either 32 could be the wrong one; only ``conv_bn(16, 32)`` builds the layer that fits
    (``conv_bn(32, 16)`` still fails). ``wide(64)`` builds ``Conv2d(n, n)``: changing its 64 changes the conv's
    output too, more than the finding's fix, so no fix is proposed at that call."""
    source = """
        import torch.nn as nn

        def conv_bn(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout))

        def wide(n):
            return nn.Conv2d(n, n, 1)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = conv_bn(3, 16)
                self.b = conv_bn(32, 32)
                self.c = wide(64)

            def forward(self, x):
                return self.c(self.b(self.a(x)))
        """
    (finding,) = analyze(source).findings
    assert finding.notes[-1] == f"fix: conv_bn(16, 32) (line {line_of(source, 'conv_bn(32, 32)')})"
    fixed = source.replace("conv_bn(32, 32)", "conv_bn(16, 32)")
    (finding,) = analyze(fixed).findings
    assert finding.message == "Conv2d expects 64 input channels, got 32"
    assert finding.notes[-1] == "fix: Conv2d(32, 64, kernel_size=(1, 1), stride=(1, 1))"  # not wide(32): Conv2d(32, 32)
    assert not _runs_in_torch(source, (1, 3, 8, 8)) and not _runs_in_torch(fixed, (1, 3, 8, 8))


def _runs_in_torch(source: str, shape: tuple[int, ...]) -> bool:
    import torch

    namespace: dict[str, object] = {}
    exec(compile(textwrap.dedent(source), "<model>", "exec"), namespace)
    try:
        namespace["Net"]().eval()(torch.zeros(shape))  # type: ignore[operator]
    except RuntimeError:
        return False
    return True


def test_asking_a_shapecheck_model_about_itself_loses_nothing() -> None:
    """``model.contract()`` or ``model.parameter_count()`` returns no tensor: not a place where tracking was lost."""
    report = analyze(
        """
        from shapecheck import nn

        model = nn.Sequential(nn.Input("B", 3, 32, 32), nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 30 * 30, 10))
        print(model.contract(), model.parameter_count())
        """
    )
    assert [(m.name, m.complete) for m in report.models] == [("module level", True)]


def test_a_chain_a_helper_builds_names_the_helper_of_its_failing_layer() -> None:
    """``stage`` chains two ``conv_bn`` calls with the same ``cin``: reported at that line, the failing conv
    named with the helper that built it."""
    source = """
        import torch.nn as nn

        def conv_bn(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout))

        def stage(cin, cout):
            return nn.Sequential(conv_bn(cin, cout), conv_bn(cin, cout))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = conv_bn(3, 16)
                self.b = stage(16, 32)

            def forward(self, x):
                return self.b(self.a(x))
        """
    (finding,) = analyze(source).findings
    assert (finding.line, finding.message) == (line_of(source, "conv_bn(cin, cout), conv_bn"), "Conv2d expects 16 input channels, got 32")
    assert finding.notes[0].endswith(f"(path 1.0), built in conv_bn at line {line_of(source, 'nn.Conv2d(cin, cout')}")
    assert not _runs_in_torch(source, (1, 3, 8, 8))


def test_the_fix_finds_its_call_among_several_on_the_line() -> None:
    """``Sequential(block(3, 32), block(32, 64, 2), block(128, 128, 2))``: the chain fails to build at its third
    block; of the calls on that line and their literals, only ``block(64, 128, 2)`` builds the conv that fits."""
    source = """
        import torch.nn as nn

        def block(cin, cout, stride=1):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

        class Net(nn.Module):
            def __init__(self, classes=10):
                super().__init__()
                self.features = nn.Sequential(block(3, 32), block(32, 64, 2), block(128, 128, 2))
                self.head = nn.Linear(128 * 8 * 8, classes)

            def forward(self, x):
                return self.head(self.features(x).flatten(1))
        """
    (finding,) = analyze(source).findings
    line = line_of(source, "block(128, 128, 2)")
    assert (finding.line, finding.message) == (line, "Conv2d expects 128 input channels, got 64")
    assert finding.notes[-1] == f"fix: block(64, 128, 2) (line {line})"
    fixed = source.replace("block(128, 128, 2)", "block(64, 128, 2)")
    assert not _runs_in_torch(source, (2, 3, 32, 32)) and _runs_in_torch(fixed, (2, 3, 32, 32))
