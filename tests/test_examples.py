"""Each example runs as a user runs it (``python examples/x.py`` from the repo root) and shows its facts."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import shapecheck as sc

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
ISSUE12 = ["unet.py", "gpt2.py", "dcgan.py", "cnn_lstm.py", "resnet18.py"]


@cache
def run(name: str) -> str:
    """The example's standard output; it must exit with 0 and print nothing on stderr."""
    done = subprocess.run(
        [sys.executable, str(Path("examples") / name)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def row(output: str, path: str) -> list[str]:
    """The cells of the summary row whose path column is ``path``."""
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > 1 and cells[1] == path:
            return cells
    raise AssertionError(f"no summary row for {path}")


def line_of(name: str, text: str) -> int:
    """The 1-based line of ``examples/name`` holding ``text``; exactly one must."""
    lines = [i for i, line in enumerate((EXAMPLES / name).read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_every_example_is_tested() -> None:
    tested = {"vgg16.py", "alexnet.py", "cifar_vgg_bug.py", "symbolic.py", "cifar_net.py", *ISSUE12}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_vgg16_breakdown() -> None:
    out = run("vgg16.py")
    expected = {
        "features.0": ("(1, 64, 224, 224)", "1,792"),
        "features.2": ("(1, 64, 224, 224)", "36,928"),
        "features.28": ("(1, 512, 14, 14)", "2,359,808"),
        "avgpool": ("(1, 512, 7, 7)", "0"),
        "flatten": ("(1, 25088)", "0"),
        "classifier.0": ("(1, 4096)", "102,764,544"),
        "classifier.3": ("(1, 4096)", "16,781,312"),
        "classifier.6": ("(1, 1000)", "4,097,000"),
    }
    for path, (shape, params) in expected.items():
        cells = row(out, path)
        assert cells[2:4] == [shape, params], cells
    assert re.search(r"Total params:\s+138,357,544", out)
    assert re.search(r"Total MACs:\s+15,470,264,320\b", out)
    assert "15,483,821,032" in out
    assert "MACs for a batch of B:  15470264320*B" in out
    assert out.count("138,357,544") >= 2


def test_alexnet_counts() -> None:
    out = run("alexnet.py")
    assert row(out, "features.0")[2:4] == ["(1, 64, 55, 55)", "23,296"]
    assert row(out, "features.12")[2] == "(1, 256, 6, 6)"
    assert re.search(r"Total params:\s+61,100,840", out)
    assert re.search(r"Total MACs:\s+714,188,480\b", out)
    assert "input conditions: H >= 63, W >= 63" in out


def test_cifar_bug_is_caught_at_the_linear() -> None:
    out = run("cifar_vgg_bug.py")
    error, _, after = out.partition("Fixed with")
    assert "shapecheck.ShapeError:" in error
    assert "Linear(in_features=25088, out_features=4096" in error
    linear = line_of("cifar_vgg_bug.py", "nn.Linear(512 * 7 * 7, 4096),  # copied")
    assert re.search(rf"defined at \S*cifar_vgg_bug\.py:{linear}\n", error), error
    assert "Linear expects 25088 input features, got 512\n" in error
    assert "512*1*1" in error and "(B, 512, 1, 1)" in error  # how 512 came about: Flatten of 512 x 1 x 1
    assert "Linear(512, 4096)" in error
    assert "AdaptiveAvgPool2d((7, 7))" in error
    assert "AdaptiveAvgPool2d((7, 7))" in after and "it builds" in after
    assert "output (B, 10)" in after


def test_symbolic_shapes_and_fully_convolutional_vgg16() -> None:
    out = run("symbolic.py")
    assert "output shape:     (B, 512, H//32, W//32)" in out
    assert "input conditions: H >= 32, W >= 32" in out
    assert "after Flatten:    (B, 512*(H//32)*(W//32))" in out
    fc_macs = 512 * 7 * 7 * 4096 + 4096 * 4096 + 4096 * 1000
    assert f"MACs at B=1, 224x224: {15_470_264_320 - fc_macs:,}" in out  # the trunk alone: VGG16 less its fc layers
    assert "output at B=8, 32x48: (8, 512, 1, 1)" in out
    assert "(H//32)*(W//32) == 49" in out
    fcn = out.partition("Fully-convolutional")[2]
    assert "output shape:     (B, 1000, H//32 - 6, W//32 - 6)" in fcn
    assert "input conditions: H >= 224, W >= 224" in fcn
    assert "parameters:       138,357,544 (torchvision's VGG16: 138,357,544)" in fcn
    assert "on a 224x224 image: class map (1, 1000, 1, 1), 15,470,264,320 MACs" in fcn
    assert re.search(r"on a 384x384 image: class map \(1, 1000, 6, 6\)", fcn)


@pytest.mark.parametrize("name", ["vgg16.py", "alexnet.py", "cifar_vgg_bug.py", "symbolic.py", *ISSUE12])
def test_example_reads_well(name: str) -> None:
    """A docstring saying how to run it, and no line a reader must scroll for."""
    text = (EXAMPLES / name).read_text()
    assert f"python examples/{name}" in text.split('"""')[1]
    assert max(len(line) for line in text.splitlines()) <= 120


def test_cifar_net_mistake_found_without_running_and_confirmed_by_torch() -> None:
    """The tutorial CNN with the MNIST Linear: ``shapecheck check`` finds it from source, torch at run time."""
    torch = pytest.importorskip("torch")
    done = subprocess.run(
        [sys.executable, "-m", "shapecheck", "check", "examples/cifar_net.py"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stdout + done.stderr
    forward = line_of("cifar_net.py", "x = F.relu(self.fc1(x))")
    defined = line_of("cifar_net.py", "self.fc1 = nn.Linear(16 * 4 * 4, 120)")
    lines = done.stdout.splitlines()
    assert lines[0] == f"examples/cifar_net.py:{forward}:20: Linear expects 256 input features, got 400"
    assert lines[1] == f"    in self.fc1 = Linear(in_features=256, out_features=120, bias=True), defined at line {defined}"
    assert "    fix: Linear(400, 120)" in lines
    assert lines[-1].startswith("Found 1 shape error in 1 file (1 file checked); 2 of 2 models checked in full")
    ran = subprocess.run([sys.executable, "examples/cifar_net.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 1 and "mat1 and mat2 shapes cannot be multiplied (4x400 and 256x120)" in ran.stderr
    assert torch.__version__


# -- the models of issue 12, each checked against a torch run ----------------------------------------


def load(name: str) -> ModuleType:
    """The example as a module (its main() not run)."""
    spec = importlib.util.spec_from_file_location(name[:-3], EXAMPLES / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def says(out: str, *texts: str) -> None:
    """Each of ``texts`` is in the example's output."""
    for text in texts:
        assert text in out, (text, out)


def torch_params(net: Any) -> int:
    return sum(p.numel() for p in net.parameters())


def test_unet_on_multiples_of_16_and_the_papers_cropped_unet() -> None:
    torch = pytest.importorskip("torch")
    out = run("unet.py")
    says(
        out,
        "holds only when 2*(H//16) == H//8",
        "output shape:     (B, 2, 16*h, 16*w)",
        'contract:         Float[Tensor, "B 1 16*h 16*w"] -> Float[Tensor, "B 2 16*h 16*w"]',
        "output shape:     (B, 2, 16*((H + 4)//16) - 188, 16*((W + 4)//16) - 188)",
        "input conditions: H >= 188, W >= 188\n",
    )
    unet = load("unet.py")
    model = unet.unet("B", 1, "16*h", "16*w")
    net = sc.to_torch(model).eval()
    assert torch_params(net) == sc.count_params(model)
    with torch.no_grad():
        assert tuple(net(torch.zeros(1, 1, 48, 32)).shape) == (1, 2, 48, 32)
        paper = sc.to_torch(unet.unet("B", 1, "H", "W", padding=0)).eval()
        for side, expected in [(572, 388), (188, 4), (200, 4), (204, 20)]:  # 16*((H + 4)//16) - 188
            assert tuple(paper(torch.zeros(1, 1, side, side)).shape) == (1, 2, expected, expected)
        with pytest.raises(RuntimeError):  # below the derived condition H >= 188, torch fails too
            paper(torch.zeros(1, 1, 187, 187))


def test_gpt2_small_tied_and_causal() -> None:
    torch = pytest.importorskip("torch")
    out = run("gpt2.py")
    says(
        out,
        "output shape:     (B, T, 50257)",
        "input conditions: T <= 1024",
        "parameters:       124,439,808 (wte and lm_head share one weight)",
    )
    net = sc.to_torch(load("gpt2.py").gpt2()).eval()
    assert torch_params(net) == 124_439_808
    tokens = torch.randint(0, 50257, (1, 8))
    changed = tokens.clone()
    changed[0, 5:] = (changed[0, 5:] + 1) % 50257
    with torch.no_grad():
        a, b = net(tokens), net(changed)
    assert a.shape == (1, 8, 50257)
    assert torch.allclose(a[:, :5], b[:, :5], atol=1e-4) and not torch.allclose(a[:, 5:], b[:, 5:])  # causal


def test_dcgan_counts_and_the_blamed_generator_layer() -> None:
    torch = pytest.importorskip("torch")
    out = run("dcgan.py")
    says(
        out,
        "generator:     (B, 100, 1, 1) -> (B, 3, 64, 64), 3,576,704 parameters",
        "discriminator: (B, 3, 64, 64) -> (B, 1, 1, 1), 2,765,568 parameters",
        "produces 128 channels; the next 2 layers expect 256",
        "  fix: ConvTranspose2d(512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False) at [3]",
    )
    dcgan = load("dcgan.py")
    g, d = sc.to_torch(dcgan.generator()).eval(), sc.to_torch(dcgan.discriminator()).eval()
    assert (torch_params(g), torch_params(d)) == (3_576_704, 2_765_568)
    with torch.no_grad():
        assert tuple(d(g(torch.zeros(2, 100, 1, 1))).shape) == (2, 1, 1, 1)


def test_cnn_lstm_and_the_forgotten_transpose() -> None:
    torch = pytest.importorskip("torch")
    out = run("cnn_lstm.py")
    says(
        out,
        "output shape:     (B, 12)",
        "input conditions: T >= 13,",
        "  fix: Transpose(1, 2) before it: the 128 is in dim 1 of (B, 128, (T + 3)//4 - 3)",
    )
    model = load("cnn_lstm.py").cnn_lstm()
    net = sc.to_torch(model).eval()
    assert torch_params(net) == sc.count_params(model) == 320_076
    with torch.no_grad():
        assert tuple(net(torch.zeros(3, 40, 13)).shape) == (3, 12)
    with pytest.raises(RuntimeError):  # T = 12 leaves no frame for the second conv, as the condition says
        net(torch.zeros(3, 40, 12))


def test_resnet18_as_a_user_writes_it() -> None:
    torch = pytest.importorskip("torch")
    out = run("resnet18.py")
    says(
        out,
        "parameters:       11,689,512",
        "MACs at B=1, 224x224: 1,814,073,344",
    )
    call, inside = line_of("resnet18.py", "layer2=nn.Sequential("), line_of("resnet18.py", "conv1=nn.Conv2d(cin, cout")
    assert f"defined at examples/resnet18.py:{call} (in basic_block at examples/resnet18.py:{inside})" in out
    model = load("resnet18.py").resnet18()
    net = sc.to_torch(model).eval()
    assert torch_params(net) == 11_689_512
    with torch.no_grad():
        assert tuple(net(torch.zeros(1, 3, 224, 224)).shape) == (1, 1000)
