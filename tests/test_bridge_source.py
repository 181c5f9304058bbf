"""``from_torch`` on the forward's source: models as people write them, against torch running them.

Each model below is plain ``torch.nn`` with what torch.fx cannot trace or today's chain cannot hold:
``assert`` and ``if`` in forward, ``F.*`` calls, two inputs, tied weights, a ``ModuleList`` loop, custom
blocks from this file and from another (``tests/_bridge_blocks.py``, with a helper function and a
constant imported there). Torch is the oracle: on a concrete input the output shape equals torch's,
the parameters equal ``sum(p.numel() for p in m.parameters())``; with one wrong layer injected torch
raises, and ``from_torch`` raises ``ShapeError`` at the forward statement that fails.
"""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import shapecheck as sc
from shapecheck.bridge.from_torch import from_torch
from shapecheck.bridge.source import TorchModel
from tests._bridge_blocks import ConvBlock
from tests.test_zoo_torch import MODELS, torch_model, torch_run

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")


class TinyUNet(nn.Module):
    def __init__(self, cin: int = 3, width: int = 8, classes: int = 2, skip: int = 8) -> None:
        super().__init__()
        self.cin = cin
        self.down = nn.Conv2d(cin, width, 3, padding=1)
        self.mid = nn.Conv2d(width, width * 2, 3)
        self.up = nn.Conv2d(width * 2 + skip, width, 3, padding=1)
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.size(1) == self.cin, "wrong number of channels"
        skip = F.relu(self.down(x))
        y = F.max_pool2d(skip, 2)
        y = F.relu(self.mid(F.pad(y, (1, 1, 1, 1))))
        y = F.interpolate(y, scale_factor=2, mode="nearest")
        if y.shape[-2:] != skip.shape[-2:]:  # odd sizes
            y = F.interpolate(y, size=skip.shape[-2:])
        y = torch.cat([y, skip], dim=1)
        y = F.relu(self.up(y))  # up
        return self.head(y)  # type: ignore[no-any-return]


class TwoTower(nn.Module):
    def __init__(self, text_dim: int = 6, hidden: int = 16, head_in: int = 32) -> None:
        super().__init__()
        self.text = nn.Linear(text_dim, hidden)
        self.image = nn.Sequential(nn.Conv2d(3, hidden, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(head_in, 1)

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        joint = torch.cat([self.image(image), self.text(text)], dim=-1)
        return self.head(joint)  # type: ignore[no-any-return]  # head


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, ln_dim: int | None = None) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(ln_dim or dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)  # ln1
        a, _ = self.attn(h, h, h, need_weights=False)
        x = x + a
        return x + self.mlp(self.ln2(x))  # type: ignore[no-any-return]


class TinyGPT(nn.Module):
    """Token and learned position embeddings, a ModuleList of blocks, the head tied to the embedding."""

    def __init__(self, vocab: int = 50, dim: int = 16, block_size: int = 8, layers: int = 2, ln_dim: int | None = None) -> None:
        super().__init__()
        self.block_size = block_size
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.zeros(1, block_size, dim))
        self.blocks = nn.ModuleList([Block(dim, 2, ln_dim if i == layers - 1 else None) for i in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        b, t = idx.size()
        assert t <= self.block_size, "sequence too long"
        x = self.tok(idx) + self.pos[:, :t, :]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))  # type: ignore[no-any-return]


@dataclass
class GPTConfig:
    vocab: int = 50
    dim: int = 16
    block_size: int = 8


class DictGPT(nn.Module):
    """nanoGPT's layout: a config object, a ModuleDict of embeddings and blocks, the last position's logits."""

    def __init__(self, config: GPTConfig, head_in: int | None = None) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab, config.dim),
                wpe=nn.Embedding(config.block_size, config.dim),
                h=nn.ModuleList([Block(config.dim, 2) for _ in range(2)]),
            )
        )
        self.lm_head = nn.Linear(head_in or config.dim, config.vocab, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        b, t = idx.size()
        assert t <= self.config.block_size, f"Cannot forward sequence of length {t}"
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(x[:, [-1], :])  # type: ignore[no-any-return]  # lm_head


class Classifier(nn.Module):
    """Blocks from another file in a Sequential; its flatten size holds for 16x16 inputs only."""

    def __init__(self, fc_in: int = 16 * 4 * 4, norm: int | None = None) -> None:
        super().__init__()
        self.features = nn.Sequential(ConvBlock(3, 8), ConvBlock(8, 16, norm))
        self.fc = nn.Linear(fc_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).flatten(1))  # type: ignore[no-any-return]  # fc


@dataclass
class Case:
    """A model as written (``good``) and with one wrong layer (``bad``); ``inputs`` symbolic,
    ``concrete`` the shapes torch runs; ``output`` the symbolic output; ``fails_at`` the text of the
    line the error names (``blocks`` when in tests/_bridge_blocks.py); ``every_size``: the mistake
    fails for every input size, so the symbolic import raises too."""

    good: Callable[[], nn.Module]
    bad: Callable[[], nn.Module]
    inputs: list[str]
    concrete: list[tuple[int, ...]]
    output: str
    fails_at: str
    every_size: bool = True
    conditions: list[str] = field(default_factory=list)
    tokens: bool = False


CASES = {
    "if_assert_and_F_calls": Case(TinyUNet, lambda: TinyUNet(skip=4), ["B 3 H W"], [(1, 3, 17, 17)], "(B, 2, H, W)", "# up",
                                  conditions=["H >= 2", "W >= 2"]),
    "two_inputs": Case(TwoTower, lambda: TwoTower(head_in=31), ["B 3 H W", "B 6"], [(2, 3, 9, 9), (2, 6)], "(B, 1)", "# head",
                       conditions=["H >= 3", "W >= 3"]),
    "tied_weights_module_list_loop": Case(TinyGPT, lambda: TinyGPT(ln_dim=17), ["B T"], [(2, 5)], "(B, T, 50)", "# ln1",
                                          conditions=["t <= self.block_size"], tokens=True),
    "config_object_and_module_dict": Case(lambda: DictGPT(GPTConfig()), lambda: DictGPT(GPTConfig(), head_in=17), ["B T"], [(2, 5)],
                                          "(B, 1, 50)", "# lm_head", conditions=["t <= self.config.block_size"], tokens=True),
    "blocks_from_another_file": Case(Classifier, lambda: Classifier(fc_in=16 * 4 * 5), ["B 3 H W"], [(2, 3, 16, 16)], "(B, 10)", "# fc",
                                     every_size=False, conditions=["H >= 4", "W >= 4", "(H//4)*(W//4) == 16"]),
    "a_block_of_another_file_fails_there": Case(Classifier, lambda: Classifier(norm=15), ["B 3 H W"], [(2, 3, 16, 16)], "(B, 10)",
                                                "return downsample(", conditions=["H >= 4", "W >= 4", "(H//4)*(W//4) == 16"]),
}  # fmt: skip


def _tensors(case: Case) -> list[torch.Tensor]:
    return [torch.randint(0, 50, s) if case.tokens else torch.randn(s) for s in case.concrete]


def _failing_line(err: sc.ShapeError) -> tuple[str, int, str]:
    """The file, line and text of the forward statement a ``ShapeError`` names (``at file:line: text``)."""
    assert err.statement is not None
    where, text = err.statement.split(": ", 1)
    file, line = where.rsplit(":", 1)
    return file, int(line), text


@pytest.mark.parametrize("name", CASES)
def test_the_model_as_written_is_torch(name: str) -> None:
    case = CASES[name]
    module = case.good()
    with torch.no_grad():
        out = module(*_tensors(case))
    concrete = from_torch(module, case.concrete)
    symbolic = from_torch(module, case.inputs if len(case.inputs) > 1 else case.inputs[0])
    assert isinstance(concrete, TorchModel) and isinstance(symbolic, TorchModel)  # its source, not torch.fx
    assert tuple(concrete.output_shape) == tuple(out.shape)
    assert str(symbolic.output_shape) == case.output
    assert symbolic.conditions == case.conditions
    assert concrete.unchecked == symbolic.unchecked == []
    assert sc.count_params(symbolic) == sum(p.numel() for p in module.parameters())
    assert sc.count_buffers(symbolic) == sum(b.numel() for b in module.buffers())
    rows = sc.summary(symbolic).rows
    assert {r.path for r in rows if "(" not in r.path} <= set(dict(module.named_modules()))


@pytest.mark.parametrize("name", CASES)
def test_one_wrong_layer_fails_in_torch_and_at_its_forward_line(name: str) -> None:
    case = CASES[name]
    module = case.bad()
    with pytest.raises((RuntimeError, ValueError, AssertionError)):
        module(*_tensors(case))
    with pytest.raises(sc.ShapeError) as info:
        from_torch(module, case.concrete)
    file, line, text = _failing_line(info.value)
    assert case.fails_at in text
    source = open(file).read().splitlines()
    assert source[line - 1].strip() == text
    assert file.endswith("_bridge_blocks.py" if case.fails_at == "return downsample(" else "test_bridge_source.py")
    assert f"at {info.value.statement}" in str(info.value)
    if case.every_size:
        with pytest.raises(sc.ShapeError):
            from_torch(module, case.inputs if len(case.inputs) > 1 else case.inputs[0])
    else:  # some input sizes fit: their condition is shown, nothing is wrong
        assert from_torch(module, case.inputs[0]).conditions == [*case.conditions[:-1], "(H//4)*(W//4) == 20"]


def test_a_layer_error_names_the_layer_its_definition_and_the_fix() -> None:
    with pytest.raises(sc.ShapeError) as info:
        from_torch(TwoTower(head_in=31), [(2, 3, 9, 9), (2, 6)])
    err = info.value
    assert err.problem == "Linear expects 31 input features, got 32"
    assert err.path == "head" and err.fixes[0] == "Linear(32, 1)"
    assert err.location is not None and err.location.endswith(f":{_line_of(TwoTower, 'self.head = nn.Linear')}")
    assert any("torch.cat([self.image(image), self.text(text)], dim=-1)" in d for d in err.derivation)


def test_tied_weights_count_once_as_torch_counts_them() -> None:
    module = TinyGPT()
    model = from_torch(module, "B T")
    every = sum(p.numel() for _, p in module.named_parameters(remove_duplicate=False))
    assert sc.count_params(model) == sum(p.numel() for p in module.parameters()) == every - 50 * 16
    assert sc.count_macs(model, B=2, T=5) > 0


def test_the_module_list_loop_runs_every_block() -> None:
    model = from_torch(TinyGPT(layers=3), (2, 5))
    paths = [row.path for row in sc.summary(model).rows]
    assert [p for p in paths if p.endswith(".ln1")] == ["blocks.0.ln1", "blocks.1.ln1", "blocks.2.ln1"]


def test_an_assert_that_fails_for_every_input_is_an_error_at_the_assert() -> None:
    with pytest.raises(AssertionError):
        TinyUNet()(torch.randn(1, 4, 8, 8))
    with pytest.raises(sc.ShapeError) as info:
        from_torch(TinyUNet(), ("B", 4, "H", "W"))
    assert "assert x.size(1) == self.cin" in str(info.value) and info.value.layer == "TinyUNet.forward"
    assert _failing_line(info.value)[1] == _line_of(TinyUNet, "assert x.size(1)")


@pytest.mark.parametrize(("name", "factory", "train", "params", "inputs", "rejected"), MODELS, ids=[m[0] for m in MODELS])
def test_real_architectures_equal_torch(
    name: str, factory: Callable[[], nn.Module], train: bool, params: int, inputs: list[tuple[int, ...]], rejected: tuple[int, ...]
) -> None:
    """torchvision's architectures in plain torch.nn (tests/test_zoo_torch.py; Sequential subclasses,
    named_children() loops, f-string getattr, a torch.nn.LayerNorm subclass with its own forward):
    parameters as published, output shape and MACs as torch's run, the rejected input rejected."""
    module = factory().train(train)
    model = from_torch(module, ("B", 3, "H", "W"))
    assert isinstance(model, TorchModel) and model.unchecked == []
    assert sc.count_params(model) == params and str(model.output_shape) == "(B, 1000)"
    for shape in inputs[:2]:
        out, macs = torch_run(torch_model(factory, train), *shape)
        b, _, h, w = shape
        assert sc.count_macs(model, B=b, H=h, W=w) == macs
        assert tuple(from_torch(module, shape).output_shape) == out
    with pytest.raises(sc.ShapeError):
        from_torch(module, rejected)


def _line_of(cls: type, text: str) -> int:
    lines, start = inspect.getsourcelines(cls)
    (index,) = [i for i, line in enumerate(lines) if text in line]
    return start + index


# -- issue 10, item 7: from_torch never returns a wrong shape -------------------------------------


class Star(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return self.fc(xs[0])  # type: ignore[no-any-return]


REPL = '''
import torch


class Star(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, *xs):
        return self.fc(xs[0])


class Branchy(Star):
    def forward(self, x):
        if x.sum() > 0:
            x = x * 2
        return self.fc(x)


class Asserty(Star):
    def forward(self, x):
        assert isinstance(x, torch.Tensor)
        return self.fc(x)


class Ranged(Star):
    def forward(self, x):
        for _ in range(x.size(0)):
            x = x + 1
        return self.fc(x)
'''


def _repl() -> dict[str, type]:
    """The classes as a REPL (or exec) defines them: no source file for inspect or the interpreter."""
    namespace: dict[str, type] = {}
    exec(compile(REPL, "<session>.py", "exec"), namespace)
    return namespace


def test_star_arguments_give_the_batch_dim() -> None:
    assert str(from_torch(Star(), ("B", 4)).output_shape) == "(B, 4)"
    assert tuple(from_torch(Star(), (3, 4)).output_shape) == tuple(Star()(torch.randn(3, 4)).shape)
    (line,) = [n for n, text in enumerate(REPL.splitlines(), 1) if "def forward(self, *xs)" in text]
    with pytest.raises(TypeError, match=rf"forward's \*xs \(a chain has one tensor input\)  at <session>.py:{line} in forward"):
        from_torch(_repl()["Star"](), ("B", 4))  # without source torch.fx cannot say which tensor xs[0] is


@pytest.mark.parametrize(
    ("name", "statement", "raised"),
    [
        ("Branchy", "if x.sum() > 0:", "TraceError: symbolically traced variables cannot be used as inputs to control flow"),
        ("Asserty", "assert isinstance(x, torch.Tensor)", "AssertionError"),
        ("Ranged", "for _ in range(x.size(0)):", "TypeError: 'Proxy' object cannot be interpreted as an integer"),
    ],
)
def test_what_torch_fx_cannot_trace_is_an_error_at_the_forward_line(name: str, statement: str, raised: str) -> None:
    (line,) = [n for n, text in enumerate(REPL.splitlines(), 1) if text.strip() == statement]
    with pytest.raises(TypeError) as info:
        from_torch(_repl()[name](), ("B", 4))
    text = str(info.value)
    assert f"torch.fx cannot trace {name}.forward at <session>.py:{line}: {raised}" in text
    assert f"the source of {name} is not available" in text


def test_the_same_forwards_with_source_are_followed() -> None:
    model = from_torch(Branchy(), "B 4")
    assert isinstance(model, TorchModel) and str(model.output_shape) == "(B, 4)"
    assert str(from_torch(Asserty(), "B 4").output_shape) == "(B, 4)"
    assert tuple(from_torch(Ranged(), (3, 4)).output_shape) == tuple(Ranged()(torch.randn(3, 4)).shape)


class Branchy(Star):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        if x.sum() > 0:
            x = x * 2
        return self.fc(x)  # type: ignore[no-any-return]


class Asserty(Star):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        assert isinstance(x, torch.Tensor)
        return self.fc(x)  # type: ignore[no-any-return]


class Ranged(Star):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        for _ in range(x.size(0)):
            x = x + 1
        return self.fc(x)  # type: ignore[no-any-return]


def test_a_shape_string_is_read_as_jaxtyping_dims() -> None:
    model = from_torch(Star(), "B 4")
    assert str(model.input_shape) == "(B, 4)" and str(model.output_shape) == "(B, 4)"
    two = from_torch(TwoTower(), ["B 3 H W", ("B", 6)])
    assert [str(s) for s in two.inputs] == ["(B, 3, H, W)", "(B, 6)"]
    with pytest.raises(ValueError, match=r"'\.\.\.' in 'B \.\.\. 4' is neither a size, a name nor an expression of names"):
        from_torch(Star(), "B ... 4")


@pytest.mark.parametrize("given", [None, 4, (), "", [("B", 4), 3]])
def test_a_missing_or_malformed_input_says_what_is_expected(given: object) -> None:
    with pytest.raises(TypeError, match=r'from_torch needs the shape of forward\'s input, as \("B", 3, 224, 224\) or "B 3 224 224"'):
        from_torch(Star(), given)  # type: ignore[arg-type]


def test_a_forward_of_two_tensors_given_one_shape_says_so() -> None:
    with pytest.raises(TypeError, match=r"TwoTower.forward\(image, text\) does not take 1 tensor: give one shape per tensor argument"):
        from_torch(TwoTower(), ("B", 3, "H", "W"))


def test_no_warning_and_no_fx_for_models_read_from_source() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
        model = from_torch(TinyGPT(), "B T")
    assert isinstance(model, TorchModel)


class SideStats(nn.Module):
    """A statistic beside the output, by a module without source that torch.fx cannot trace either."""

    def __init__(self) -> None:
        super().__init__()
        self.stats = _repl()["Branchy"]()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.last = self.stats(x)  # not followed
        return self.fc(x)  # type: ignore[no-any-return]


def test_what_was_not_followed_is_said() -> None:
    with pytest.warns(UserWarning, match=r"SideStats.forward was not followed everywhere; not checked:\n  .*test_bridge_source.py:\d+: Branchy at ") as record:
        model = from_torch(SideStats(), "B 4")
    assert str(model.output_shape) == "(B, 2)"
    assert model.unchecked == [str(record[0].message).splitlines()[1].strip()]
    assert model.unchecked[0].split(": ")[0].endswith(f":{_line_of(SideStats, '# not followed')}")
    assert "has no source and torch.fx cannot import it" in model.unchecked[0]


def test_with_input_runs_the_forward_again() -> None:
    model = from_torch(TinyUNet(), "B 3 H W")
    assert model.with_input("B", 3, "H", "W") is model
    again = model.with_input(1, 3, 17, 17)
    assert tuple(again.output_shape) == tuple(TinyUNet()(torch.randn(1, 3, 17, 17)).shape)
    with pytest.raises(sc.ShapeError, match=r"assert x.size\(1\) == self.cin fails"):
        model.with_input(1, 4, 17, 17)


def test_summary_of_a_torch_class_on_the_command_line(tmp_path: pathlib.Path) -> None:
    """``shapecheck summary FILE:Class --input ...`` reads a plain torch class's forward, ``assert`` and all."""
    (tmp_path / "gpt.py").write_text(_module_of(Block, TinyGPT))
    out = subprocess.run(
        [sys.executable, "-m", "shapecheck", "summary", "gpt.py:TinyGPT", "--input", "B", "T"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "blocks.1.attn" in out.stdout and "Output shape:          (B, T, 50)" in out.stdout
    assert f"Total params:          {sum(p.numel() for p in TinyGPT().parameters()):,}" in out.stdout
    assert "Input conditions:      t <= self.block_size" in out.stdout


def _module_of(*classes: type) -> str:
    """A model file with these classes of this file, as a user writes one."""
    head = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    return head + "\n\n".join(inspect.getsource(cls) for cls in classes)


class PooledHead(nn.Module):
    """Norms after global pooling: one value per channel for a batch of one, one spatial element."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.norm = nn.BatchNorm1d(8)
        self.inorm = nn.InstanceNorm1d(8, track_running_stats=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(F.adaptive_avg_pool2d(self.conv(x), 1).flatten(1))  # (B, 8)
        if not self.training:
            x = self.inorm(x.unsqueeze(-1)).squeeze(-1)
        return x


@pytest.mark.parametrize("train", [True, False])
def test_norms_follow_the_live_modules_mode(train: bool) -> None:
    """In training a norm needs more than one value per channel; in eval mode its running statistics do."""
    module = PooledHead().train(train)
    if train:
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            module(torch.randn(1, 3, 8, 8))
        with pytest.raises(sc.ShapeError, match="BatchNorm1d expects more than 1 value per channel when training"):
            from_torch(module, (1, 3, 8, 8))
        assert "B >= 2" in from_torch(module, "B 3 H W").conditions
    else:
        assert tuple(from_torch(module, (1, 3, 8, 8)).output_shape) == tuple(module(torch.randn(1, 3, 8, 8)).shape)
        assert from_torch(module, "B 3 H W").conditions == ["H >= 3", "W >= 3"]


class DenseBlock(nn.ModuleDict):
    """torchvision's DenseNet block: a ModuleDict with a forward of its own, each layer on all features so far."""

    def __init__(self, layers: int, cin: int, growth: int) -> None:
        super().__init__()
        for i in range(layers):
            self.add_module(f"layer{i + 1}", nn.Conv2d(cin + i * growth, growth, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for name, layer in self.items():
            features.append(layer(torch.cat(features, 1)))
        return torch.cat(features, 1)


class Conv3DSimple(nn.Conv3d):
    """torchvision's video ResNet: a torch layer subclass with an __init__ of its own and torch's forward."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(cin, cout, kernel_size=(3, 3, 3), padding=1, bias=False)


def test_container_and_layer_subclasses() -> None:
    block = DenseBlock(3, 4, 2)
    model = from_torch(block, "B 4 H W")
    assert str(model.output_shape) == "(B, 10, H, W)"
    assert tuple(from_torch(block, (2, 4, 5, 5)).output_shape) == tuple(block(torch.randn(2, 4, 5, 5)).shape)
    video = nn.Sequential(Conv3DSimple(3, 8), nn.ReLU(), Conv3DSimple(8, 8))
    assert str(from_torch(video, "B 3 T H W").output_shape) == "(B, 8, T, H, W)"
    assert str(from_torch(Conv3DSimple(3, 8), "B 3 T H W").output_shape) == "(B, 8, T, H, W)"
    with pytest.raises(sc.ShapeError, match="Conv3d expects 8 input channels, got 3"):
        from_torch(Conv3DSimple(8, 8), "B 3 T H W")


class Plain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)  # type: ignore[no-any-return]


def test_a_source_edited_since_import_is_not_read(tmp_path: pathlib.Path) -> None:
    """The file on disk is not the code that runs: it is not read; torch.fx traces the live module, or
    the error says why neither works."""
    path = tmp_path / "edited_model.py"
    path.write_text(_module_of(Plain, Star, Branchy))
    sys.path.insert(0, str(tmp_path))
    try:
        import edited_model  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tmp_path))
    path.write_text(path.read_text().replace("return self.fc(x", "return self.fc(x).flatten(") + "\n")
    model = from_torch(edited_model.Plain(), ("B", 4))
    assert not isinstance(model, TorchModel)  # torch.fx traced the code that runs
    assert str(model.output_shape) == "(B, 4)"
    lines = path.read_text().splitlines()
    start = next(n for n, text in enumerate(lines) if text.startswith("class Branchy"))
    line = next(n for n, text in enumerate(lines[start:], start + 1) if "def forward" in text)
    with pytest.raises(TypeError, match=rf"the source of Branchy in .*edited_model.py:{line} is not the code that runs"):
        from_torch(edited_model.Branchy(), ("B", 4))
