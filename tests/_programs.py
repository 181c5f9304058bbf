"""Seeded random PyTorch model files, the input of the forward interpreter's differential test.

:func:`generate_program` writes a whole module the way people write models: an ``nn.Module`` class
whose ``__init__`` builds layers (literals, constructor parameters, module constants, loops,
``nn.Sequential(*layers)``, ``nn.ModuleList``, custom block classes) and whose ``forward`` composes
them with the idioms real code uses (``F.*``, tensor methods, ``torch.cat``, broadcasting, ``@``,
``einsum``, indexing, ``chunk``/``split``, reductions, LSTM tuples, helper methods, loops), then a
``test()`` that calls the model on a tensor of a stated size.

Each operation is drawn for the shape the previous ones really produce: the program is stepped
through torch while it is drawn (its ``__init__`` and ``forward`` lines run on a live module and a
small CPU tensor), so the unperturbed program is valid. About a third of the programs get one
perturbation (a wrong channel count, ``in_features``, view size, ``cat`` dim, a kernel too large, a
mismatched broadcast...): the file shows the perturbed text, the drawing goes on from the shape the
unperturbed text gives. Whether a program is valid is for torch to say, not for this module.

Run ``python -m tests._programs SEED`` to print one program.
"""

from __future__ import annotations

import builtins
import random
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["GeneratorBug", "Program", "generate_program", "one_thread"]

BAD_RATE = 0.4  # share of programs that get one perturbation (some perturbations torch still accepts)
BATCHES = (1, 2, 2, 3)


@dataclass
class Program:
    """A generated model file. ``source`` states the input size in ``test()``; ``symbolic_source`` is
    the same file without ``test()``. ``free`` are the dims of the input any size may take (batch,
    spatial, time); the others are fixed by the model's first layer."""

    seed: int
    source: str
    symbolic_source: str
    shape: tuple[int, ...]
    integer: bool
    vocab: int
    free: tuple[int, ...]
    families: list[str]
    perturbed: str | None = None
    """``family: what`` of the perturbation drawn, if any."""
    bad_lines: set[int] = field(default_factory=set)
    """The lines whose text the perturbation changed."""
    call_line: int = 0
    """The line of ``out = net(x)`` in ``test()``."""

    @property
    def family(self) -> str | None:
        return self.perturbed.split(":", 1)[0] if self.perturbed else None

    def input(self, shape: tuple[int, ...] | None = None) -> torch.Tensor:
        dims = self.shape if shape is None else shape
        if self.integer:
            return torch.randint(0, self.vocab, dims)
        return torch.randn(dims)


class GeneratorBug(Exception):
    """An unperturbed operation that torch rejects: the generator's own mistake."""


@dataclass
class _Piece:
    good: str
    bad: str | None = None

    def text(self) -> str:
        return self.bad if self.bad is not None else self.good


class Gen:
    """The program being drawn: its pieces, the live torch module and tensor they produce."""

    def __init__(self, rng: random.Random, x: torch.Tensor) -> None:
        self.rng = rng
        self.module = torch.nn.Module()
        base: dict[str, Any] = {"torch": torch, "nn": torch.nn, "F": F, "__builtins__": builtins}
        self.module_ns = dict(base)
        self.init_ns = {**base, "self": self.module}
        self.fwd_ns = {**base, "self": self.module, "x": x}
        self.consts: list[_Piece] = []
        self.classes: list[_Piece] = []
        self.params: list[tuple[str, object, object | None]] = []
        """(name, default, the value ``test()`` passes or None)."""
        self.init_lines: list[_Piece] = []
        self.fwd_lines: list[_Piece] = []
        self.helpers: list[_Piece] = []
        self.counts: dict[str, int] = {}
        self.bases = "nn.Module"
        self.perturb = False
        self.perturbed: str | None = None
        self.families: list[str] = []
        self._mark = (0, 0, 0, 0, 0, 0)

    # -- reading the state --------------------------------------------------------------------
    @property
    def x(self) -> torch.Tensor:
        value = self.fwd_ns["x"]
        assert isinstance(value, torch.Tensor)
        return value

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape)

    def name(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return f"{prefix}{self.counts[prefix]}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def choice(self, options: list[Any] | tuple[Any, ...]) -> Any:
        return self.rng.choice(options)

    def wrong(self, value: int) -> int:
        """A positive int other than ``value``."""
        return value + self.rng.choice([1, 2, 3]) if value <= 2 or self.chance(0.5) else value - 1

    def bad(self, what: str) -> bool:
        """Whether this operation is to be perturbed (then ``what``, ``family: description``, is recorded)."""
        if not self.perturb or self.perturbed is not None:
            return False
        self.perturbed = what
        return True

    # -- writing ------------------------------------------------------------------------------
    def init(self, good: str, bad: str | None = None) -> None:
        self.init_lines.append(_Piece(good, bad))

    def layer(self, name: str, build: str, size: int, what: str) -> None:
        """``self.NAME = build.format(size)`` in ``__init__``; when perturbed (``what``), with another size."""
        bad = f"self.{name} = {build.format(self.wrong(size))}" if self.bad(what) else None
        self.init(f"self.{name} = {build.format(size)}", bad)

    def fwd(self, good: str, bad: str | None = None) -> None:
        self.fwd_lines.append(_Piece(good, bad))

    def helper(self, good: str, bad: str | None = None) -> None:
        """A method of the model (``def _name(self, ...)``)."""
        self.helpers.append(_Piece(good, bad))

    def klass(self, good: str, bad: str | None = None) -> None:
        self.classes.append(_Piece(good, bad))

    def const(self, name: str, value: object) -> str:
        self.consts.append(_Piece(f"{name} = {value!r}"))
        return name

    def param(self, name: str, default: object, call: object | None = None) -> str:
        """A constructor parameter with a default; ``test()`` passes ``call`` when given."""
        self.params.append((name, default, call))
        self.init_ns[name] = default if call is None else call
        return name

    # -- stepping through torch -----------------------------------------------------------------
    def begin(self) -> None:
        self._mark = (len(self.consts), len(self.classes), len(self.params), len(self.init_lines), len(self.helpers), len(self.fwd_lines))

    def commit(self) -> None:
        """Run what the operation added (unperturbed) on the live module and tensor."""
        consts, classes, _, init, helpers, fwd = self._mark
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            for piece in [*self.consts[consts:], *self.classes[classes:]]:
                self._run(piece.good, self.module_ns)
                for ns in (self.init_ns, self.fwd_ns):
                    ns.update({k: v for k, v in self.module_ns.items() if k not in ns})
            if self.bases != "nn.Module":  # the live module gets what Net inherits
                for key, value in vars(self.module_ns[self.bases]).items():
                    if not key.startswith("__"):
                        setattr(self.module, key, types.MethodType(value, self.module) if callable(value) else value)
            for piece in self.helpers[helpers:]:
                scratch = dict(self.fwd_ns)
                self._run(piece.good, scratch)
                name = piece.good.split("(", 1)[0].split()[-1]
                setattr(self.module, name, types.MethodType(scratch[name], self.module))
            for piece in self.init_lines[init:]:
                self._run(piece.good, self.init_ns)
            self.module.eval()  # a batch of 1 must not stop the drawing at a BatchNorm: test() says whether torch accepts it
            for piece in self.fwd_lines[fwd:]:
                self._run(piece.good, self.fwd_ns)

    def _run(self, text: str, ns: dict[str, Any]) -> None:
        try:
            exec(compile(text, "<draw>", "exec"), ns)
        except Exception as err:
            raise GeneratorBug(f"{type(err).__name__}: {err}\n--- in:\n{text}\n--- program so far:\n{self.render()[0]}") from err

    # -- the file -------------------------------------------------------------------------------
    def render(self, shape: tuple[int, ...] | None = None, integer: bool = False, vocab: int = 0) -> tuple[str, set[int], int]:
        """The file's text (with ``test()`` when ``shape`` is given), the lines the perturbation
        changed, and the line of the model call in ``test()``."""
        lines: list[str] = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", ""]
        bad: set[int] = set()

        def add(piece: _Piece, indent: int) -> None:
            first = len(lines) + 1
            for text in piece.text().splitlines():
                lines.append(" " * indent + text if text else "")
            if piece.bad is not None:
                bad.update(range(first, len(lines) + 1))

        for piece in self.consts:
            add(piece, 0)
        if self.consts:
            lines.append("")
        for piece in self.classes:
            lines.extend(["", ""])
            add(piece, 0)
        lines.extend(["", ""])
        signature = "".join(f", {name}={value!r}" for name, value, _ in self.params)
        lines.append(f"class Net({self.bases}):")
        lines.append(f"    def __init__(self{signature}):")
        lines.append("        super().__init__()")
        for piece in self.init_lines:
            add(piece, 8)
        lines.extend(["", "    def forward(self, x):"])
        for piece in self.fwd_lines:
            add(piece, 8)
        lines.append("        return x")
        for piece in self.helpers:
            lines.append("")
            add(piece, 4)
        call_line = 0
        if shape is not None:
            make = f"torch.randint(0, {vocab}, {shape!r})" if integer else f"torch.randn{shape!r}"
            arguments = ", ".join(f"{name}={call!r}" for name, _, call in self.params if call is not None)
            lines.extend(["", "", "def test():", f"    net = Net({arguments})", f"    x = {make}", "    out = net(x)", "    return out"])
            call_line = len(lines) - 1
        return "\n".join(lines) + "\n", bad, call_line


Op = Callable[[Gen], bool]
OPS: dict[str, list[tuple[str, Op, float]]] = {"image": [], "seq": [], "feat": [], "tokens": []}
"""Per kind of tensor: (family, operation, weight). An operation returns False when it does not apply."""


def op(family: str, *kinds: str, weight: float = 1.0) -> Callable[[Op], Op]:
    def register(fn: Op) -> Op:
        for kind in kinds:
            OPS[kind].append((family, fn, weight))
        return fn

    return register


def kind_of(x: torch.Tensor) -> str | None:
    if x.dtype == torch.long:
        return "tokens" if x.dim() == 2 else None
    return {2: "feat", 3: "seq", 4: "image"}.get(x.dim())


# -- images (B, C, H, W) --------------------------------------------------------------------------
def _conv_args(g: Gen, h: int, w: int) -> tuple[int, int, int] | None:
    """(kernel, stride, padding) valid on an h x w input."""
    for _ in range(8):
        k = g.choice([1, 3, 3, 5])
        s = g.choice([1, 1, 1, 2])
        p = g.choice([0, k // 2, k // 2])
        if min(h, w) + 2 * p >= k:
            return k, s, p
    return None


def _conv_text(cin: object, cout: object, k: int, s: int, p: int, style: int, groups: int = 1) -> str:
    g = f", groups={groups}" if groups != 1 else ""
    if style == 0:
        return f"nn.Conv2d({cin}, {cout}, {k}, {s}, {p}{g})"
    if style == 1:
        return f"nn.Conv2d({cin}, {cout}, kernel_size={k}, stride={s}, padding={p}{g})"
    return f"nn.Conv2d(in_channels={cin}, out_channels={cout}, kernel_size={k}, stride={s}, padding={p}{g})"


@op("conv", "image", weight=3)
def conv(g: Gen) -> bool:
    b, c, h, w = g.shape
    args = _conv_args(g, h, w)
    if args is None:
        return False
    k, s, p = args
    cout = g.choice([4, 6, 8, 12, 16])
    name = g.name("conv")
    style = g.choice([0, 1, 2])
    cin: object = c
    if g.chance(0.25) and not g.params:
        cin = g.param("in_channels", c)
    good = f"self.{name} = {_conv_text(cin, cout, k, s, p, style)}"
    bad = None
    if g.perturb:
        variant = g.choice(["channels", "channels", "kernel", "groups"])
        if variant == "channels" and g.bad("conv: in_channels"):
            bad = f"self.{name} = {_conv_text(g.wrong(c), cout, k, s, p, style)}"
        elif variant == "kernel" and g.bad("conv: kernel larger than the padded input"):
            big = min(h, w) + 2 * p + g.choice([1, 2])
            bad = f"self.{name} = {_conv_text(cin, cout, big, s, p, style)}"
        elif variant == "groups" and c > 1 and g.bad("conv: groups not dividing the channels"):
            groups = next(d for d in range(2, c + 2) if c % d or cout % d)
            bad = f"self.{name} = {_conv_text(cin, cout, k, s, p, style, groups)}"
    g.init(good, bad)
    act = g.choice(["x = self.{n}(x)", "x = F.relu(self.{n}(x))", "x = torch.relu(self.{n}(x))", "x = F.leaky_relu(self.{n}(x), 0.1)"])
    g.fwd(act.format(n=name))
    return True


@op("norm", "image")
def batchnorm2d(g: Gen) -> bool:
    c = g.shape[1]
    name = g.name("bn")
    g.layer(name, f"nn.BatchNorm2d({{}})", c, "norm: BatchNorm2d features")
    g.fwd(g.choice(["x = self.{n}(x)", "x = F.relu(self.{n}(x))"]).format(n=name))
    return True


@op("pool", "image", weight=2)
def pool(g: Gen) -> bool:
    h, w = g.shape[2:]
    if min(h, w) < 2:
        return False
    k = g.choice([2, 2, 3]) if min(h, w) >= 3 else 2
    s = g.choice([None, k, 1, 2])
    form = g.choice(["F.max_pool2d(x, {a})", "F.avg_pool2d(x, {a})", "module", "F.max_pool2d(x, kernel_size={k}, stride={s})"])
    args = f"{k}" if s is None else f"{k}, {s}"
    if form == "module":
        name = g.name("pool")
        kind = g.choice(["MaxPool2d", "AvgPool2d"])
        bad = None
        if g.bad("pool: kernel larger than the input"):
            bad = f"self.{name} = nn.{kind}({min(h, w) + 1})"
        g.init(f"self.{name} = nn.{kind}({args})", bad)
        g.fwd(f"x = self.{name}(x)")
        return True
    good = "x = " + form.format(a=args, k=k, s=s or k)
    bad = None
    if g.perturb:
        if g.chance(0.5) and g.bad("pool: kernel larger than the input"):
            big = min(h, w) + g.choice([1, 3])
            bad = "x = " + form.format(a=f"{big}", k=big, s=s or k)
        elif g.bad("pool: padding more than half the kernel"):
            bad = "x = " + form.split("(", 1)[0] + f"(x, {k}, {s or k}, {k // 2 + 1})"
    g.fwd(good, bad)
    return True


@op("pool", "image")
def adaptive_pool(g: Gen) -> bool:
    o = g.choice([1, 1, 2, (1, 1), (2, 3), 4])
    form = g.choice(["F.adaptive_avg_pool2d(x, {o})", "F.adaptive_max_pool2d(x, {o})", "module"])
    bad_size = (2, 2, 2)
    if form == "module":
        name = g.name("gap")
        bad = f"self.{name} = nn.AdaptiveAvgPool2d({bad_size})" if g.bad("pool: adaptive output size of 3 dims") else None
        g.init(f"self.{name} = nn.AdaptiveAvgPool2d({o!r})", bad)
        g.fwd(f"x = self.{name}(x)")
        return True
    bad = "x = " + form.format(o=bad_size) if g.bad("pool: adaptive output size of 3 dims") else None
    g.fwd("x = " + form.format(o=o), bad)
    return True


@op("interpolate", "image")
def interpolate(g: Gen) -> bool:
    h, w = g.shape[2:]
    if max(h, w) > 24:
        return False
    form = g.choice(["scale", "size", "bilinear", "module"])
    if form == "module":
        name = g.name("up")
        g.init(f"self.{name} = nn.Upsample(scale_factor=2, mode='nearest')")
        g.fwd(f"x = self.{name}(x)")
        return True
    size = (h + g.choice([1, 3, 5]), w + g.choice([1, 2, 4]))
    text = {
        "scale": "x = F.interpolate(x, scale_factor=2)",
        "size": f"x = F.interpolate(x, size={size!r}, mode='nearest')",
        "bilinear": f"x = F.interpolate(x, size={size!r}, mode='bilinear', align_corners=False)",
    }[form]
    bad = None
    if g.bad("interpolate: size of 3 dims for a 2d input"):
        bad = f"x = F.interpolate(x, size={(*size, 4)!r})"
    g.fwd(text, bad)
    return True


@op("pad", "image", "seq")
def pad(g: Gen) -> bool:
    if g.x.dim() == 4:
        widths = tuple(g.choice([0, 1, 2]) for _ in range(g.choice([2, 4])))
    else:
        widths = (0, 0, g.choice([1, 2]), g.choice([0, 1]))
    mode = g.choice(["", "", ", value=0.0", ", mode='constant'"])
    bad = None
    if g.perturb:
        if g.chance(0.5) and g.bad("pad: odd number of pad widths"):
            bad = f"x = F.pad(x, {widths[:-1]!r}{mode})"
        elif g.bad("pad: more pad widths than dims"):
            bad = f"x = F.pad(x, {(1,) * (2 * g.x.dim() + 2)!r}{mode})"
    g.fwd(f"x = F.pad(x, {widths!r}{mode})", bad)
    return True


@op("dropout", "image", "seq", "feat", weight=0.6)
def dropout(g: Gen) -> bool:
    form = g.choice(["F.dropout(x, p=0.1, training=self.training)", "F.dropout(x, 0.2)", "module"])
    if g.x.dim() == 4 and g.chance(0.3):
        form = "F.dropout2d(x, 0.1, self.training)"
    if form == "module":
        name = g.name("drop")
        g.init(f"self.{name} = nn.Dropout({g.choice([0.1, 0.25, 0.5])})")
        g.fwd(f"x = self.{name}(x)")
    else:
        g.fwd(f"x = {form}")
    return True


@op("broadcast", "image", weight=2)
def residual_conv(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    name = g.name("res")
    good = f"self.{name} = nn.Conv2d({c}, {c}, 3, padding=1)"
    bad = None
    if g.perturb:
        if c > 1 and g.chance(0.5) and g.bad("broadcast: residual with other channels"):
            bad = f"self.{name} = nn.Conv2d({c}, {c + g.choice([1, 2])}, 3, padding=1)"
        elif min(h, w) > 3 and g.bad("broadcast: residual with a smaller spatial size"):
            bad = f"self.{name} = nn.Conv2d({c}, {c}, 3)"
    g.init(good, bad)
    g.fwd(g.choice(["x = x + self.{n}(x)", "x = F.relu(x + self.{n}(x))", "y = self.{n}(x)\nx = y + x", "x = torch.add(x, self.{n}(x))"]).format(n=name))
    return True


@op("cat", "image", weight=2)
def cat_channels(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3 or c > 16:
        return False
    name = g.name("branch")
    cout = g.choice([2, 4, 8])
    good_init = f"self.{name} = nn.Conv2d({c}, {cout}, 3, padding=1)"
    dim = g.choice(["1", "dim=1", "-3", "dim=-3"])
    good = f"x = torch.cat([x, self.{name}(x)], {dim})"
    bad_init = bad = None
    if g.perturb:
        if cout != c and g.chance(0.5) and g.bad("cat: along the wrong dim"):
            bad = f"x = torch.cat([x, self.{name}(x)], {g.choice(['2', 'dim=3', '-1'])})"
        elif min(h, w) > 3 and g.bad("cat: branch of another spatial size"):
            bad_init = f"self.{name} = nn.Conv2d({c}, {cout}, 3)"
    g.init(good_init, bad_init)
    g.fwd(good, bad)
    return True


@op("stack", "image", "feat")
def stack(g: Gen) -> bool:
    d = g.choice([0, 1, -1])
    reduce = g.choice(["sum", "mean"])
    if g.x.dim() == 4:
        c = g.shape[1]
        name = g.name("alt")
        good_init = f"self.{name} = nn.Conv2d({c}, {c}, 1)"
        bad_init = f"self.{name} = nn.Conv2d({c}, {c + 1}, 1)" if g.bad("stack: tensors of different sizes") else None
    else:
        f = g.shape[1]
        name = g.name("alt")
        good_init = f"self.{name} = nn.Linear({f}, {f})"
        bad_init = f"self.{name} = nn.Linear({f}, {f + 1})" if g.bad("stack: tensors of different sizes") else None
    g.init(good_init, bad_init)
    g.fwd(f"x = torch.stack([x, self.{name}(x)], dim={d}).{reduce}(dim={d})")
    return True


@op("norm", "image")
def layernorm_channels_last(g: Gen) -> bool:
    b, c, h, w = g.shape
    name = g.name("ln")
    bad_init = bad = None
    if g.perturb:
        if w != c and g.chance(0.5) and g.bad("norm: LayerNorm on channels-first"):
            bad = f"x = self.{name}(x)"
        elif g.bad("norm: LayerNorm of other features"):
            bad_init = f"self.{name} = nn.LayerNorm({g.wrong(c)})"
    g.init(f"self.{name} = nn.LayerNorm({c})", bad_init)
    g.fwd(g.choice(["x = self.{n}(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)", "x = x.permute(0, 2, 3, 1)\nx = self.{n}(x)\nx = x.permute(0, 3, 1, 2).contiguous()"]).format(n=name), bad)
    return True


@op("permute", "image", "seq")
def permute_back(g: Gen) -> bool:
    rank = g.x.dim()
    order = (0, 2, 3, 1) if rank == 4 else (0, 2, 1)
    back = (0, 3, 1, 2) if rank == 4 else (0, 2, 1)
    good = f"x = x.permute{order!r}.permute{back!r}" if g.chance(0.5) else f"x = torch.permute(x, {order!r})\nx = x.permute{back!r}"
    bad = f"x = x.permute{order[:-1]!r}.permute{back!r}" if g.bad("permute: fewer dims than the tensor") else None
    g.fwd(good, bad)
    return True


@op("chunk", "image", "feat")
def chunk_gate(g: Gen) -> bool:
    c = g.shape[1]
    dim = g.choice(["1", "dim=1"])
    form = g.choice(["a, b = x.chunk(2, {d})", "a, b = torch.chunk(x, 2, {d})"])
    if c % 2 == 0:
        g.fwd(f"{form.format(d=dim)}\nx = a * torch.sigmoid(b)")
        return True
    if c >= 5 and g.bad("chunk: halves of an odd size"):
        g.fwd(f"x = x[:, :{c - 1}]\n{form.format(d=dim)}\nx = a * torch.sigmoid(b)", f"{form.format(d=dim)}\nx = a * torch.sigmoid(b)")
        return True
    return False


@op("split", "image", "seq", "feat")
def split_swap(g: Gen) -> bool:
    d = 1 if g.x.dim() != 3 else 2
    c = g.shape[d]
    if c < 2:
        return False
    k = g.rng.randrange(1, c)
    form = g.choice(["a, b = torch.split(x, [{k}, {r}], dim={d})", "a, b = x.split([{k}, {r}], {d})"])
    bad = None
    if g.bad("split: sections not summing to the size"):
        bad = form.format(k=k, r=c - k + 1, d=d) + f"\nx = torch.cat([b, a], dim={d})"
    g.fwd(form.format(k=k, r=c - k, d=d) + f"\nx = torch.cat([b, a], dim={d})", bad)
    return True


@op("reduce", "image", weight=1.5)
def global_pool(g: Gen) -> bool:
    form = g.choice(
        [
            "x = x.mean(dim=(2, 3))",
            "x = x.mean([2, 3])",
            "x = x.sum(-1).sum(-1)",
            "x = torch.amax(x, dim=(-2, -1))",
            "x, _ = x.max(dim=-1)\nx, _ = x.max(dim=-1)",
            "x = torch.mean(x, dim=(2, 3), keepdim=True).flatten(1)",
            "x = F.adaptive_avg_pool2d(x, 1).squeeze(-1).squeeze(-1)",
            "x = F.adaptive_avg_pool2d(x, (1, 1)).view(x.size(0), -1)",
        ]
    )
    bad = None
    if g.perturb:
        if "squeeze" in form and g.bad("squeeze: dim out of range"):
            bad = form.replace("squeeze(-1).squeeze(-1)", "squeeze(4)")
        elif "squeeze" not in form and "view" not in form and g.bad("reduce: dim out of range"):
            bad = form.replace("2, 3", "2, 4").replace("-2, -1", "-2, 4").replace("sum(-1)", "sum(4)").replace("dim=-1", "dim=4")
    g.fwd(form, bad)
    return True


@op("broadcast", "image")
def squeeze_excite(g: Gen) -> bool:
    c = g.shape[1]
    name = g.name("se")
    hidden = max(1, c // 2)
    g.init(f"self.{name}a = nn.Linear({c}, {hidden})")
    bad_init = None
    if c > 1 and g.bad("broadcast: excitation of other channels"):
        bad_init = f"self.{name}b = nn.Linear({hidden}, {c + g.choice([1, 2])})"
    g.init(f"self.{name}b = nn.Linear({hidden}, {c})", bad_init)
    scale = g.choice(
        [
            "x = x * s.view(s.size(0), -1, 1, 1)",
            "x = x * s[:, :, None, None]",
            "x = x * s.unsqueeze(-1).unsqueeze(-1)",
            "x = x * s.unsqueeze(2).unsqueeze(3).expand_as(x)",
            "x = x * s.view(s.size(0), s.size(1), 1, 1).expand(-1, -1, x.size(2), x.size(3))",
        ]
    )
    g.fwd(f"s = x.mean(dim=(2, 3))\ns = torch.sigmoid(self.{name}b(F.relu(self.{name}a(s))))\n{scale}")
    return True


@op("expand", "image")
def expand_bias(g: Gen) -> bool:
    c = g.shape[1]
    if c < 2:
        return False
    name = g.name("bias")
    g.init(f"self.{name} = nn.Parameter(torch.zeros(1, {c}, 1, 1))")
    good = f"x = x + self.{name}.expand(x.size(0), -1, x.size(2), x.size(3))"
    bad = None
    if g.bad("expand: to a size the dim does not have"):
        bad = f"x = x + self.{name}.expand(x.size(0), {c + 1}, x.size(2), x.size(3))"
    g.fwd(good, bad)
    return True


@op("repeat", "image", "seq")
def repeat(g: Gen) -> bool:
    rank = g.x.dim()
    d = 1 if rank == 4 else 2
    if g.shape[d] > 16:
        return False
    reps = [1] * rank
    reps[d] = 2
    good = f"x = x.repeat({', '.join(map(str, reps))})"
    bad = f"x = x.repeat({', '.join(map(str, reps[1:]))})" if g.bad("repeat: fewer repeats than dims") else None
    g.fwd(good, bad)
    return True


@op("index", "image")
def slice_image(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    options = []
    if c > 1:
        options.append((f"x = x[:, :{g.rng.randrange(1, c)}]", f"x = x[:, {c}]"))
    if min(h, w) > 3:
        options.append(("x = x[:, :, 1:-1, 1:-1]", f"x = x[:, :, {h}]"))
    options.append(("x = x[..., ::2, ::2]", f"x = x[:, {c + 1}]"))
    options.append(("x = x[:, None].squeeze(1)", f"x = x[:, :, :, :, 0]"))
    good, bad = g.choice(options)
    g.fwd(good, bad if g.bad("index: out of range or too many indices") else None)
    return True


@op("linear", "image", weight=2.5)
def classifier_head(g: Gen) -> bool:
    b, c, h, w = g.shape
    features = c * h * w
    if features > 4096:
        return False
    forms = ["x = torch.flatten(x, 1)", "x = x.reshape(x.shape[0], -1)", "x = x.flatten(1)"]
    if g.x.is_contiguous():  # torch's view needs strides that merge (after a permute, people call reshape)
        forms += ["x = x.view(x.size(0), -1)", "x = x.view(-1, {f})", "x = x.view(-1, {c} * {h} * {w})"]
    flat = g.choice(forms)
    n = g.choice([2, 5, 10])
    name = g.name("fc")
    fin: object = f"{c} * {h} * {w}" if g.chance(0.4) else features
    good_init = f"self.{name} = nn.Linear({fin}, {n})"
    bad_init = bad_flat = None
    if g.perturb:
        variant = g.choice(["features", "features", "view"])
        if variant == "features" and g.bad("linear: in_features"):
            wrong = g.choice([f"{c} * {h + 1} * {w + 1}", f"{c} * {max(h - 1, 1)} * {w}", str(features + g.choice([1, c, -1]))])
            bad_init = f"self.{name} = nn.Linear({wrong}, {n})"
        elif variant == "view" and g.bad("view: size not dividing the elements"):
            bad_flat = f"x = x.view(x.size(0), {features + 1})" if g.chance(0.5) else f"x = x.view(-1, {features + c})"
    g.init(good_init, bad_init)
    g.fwd(flat.format(f=features, c=c, h=h, w=w), bad_flat)
    g.fwd(f"x = self.{name}(x)")
    return True


@op("sequential", "image", weight=1.5)
def sequential_features(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    widths = [g.choice([4, 8, 8, 16]) for _ in range(g.choice([1, 2, 3]))]
    pool_after = min(h, w) >= 4 and g.chance(0.5)
    name = g.name("features")
    style = g.choice(["loop", "literal", "const"])
    if style == "literal":
        parts = []
        cin = c
        for out in widths:
            parts += [f"nn.Conv2d({cin}, {out}, 3, padding=1)", f"nn.BatchNorm2d({out})", "nn.ReLU(inplace=True)"]
            cin = out
        if pool_after:
            parts.append("nn.MaxPool2d(2)")
        bad_parts = None
        if g.perturb:
            i = g.rng.randrange(len(widths))
            if g.chance(0.5) and g.bad("sequential: BatchNorm2d features in a literal Sequential"):
                bad_parts = list(parts)
                bad_parts[3 * i + 1] = f"nn.BatchNorm2d({g.wrong(widths[i])})"
            elif g.bad("sequential: Conv2d in_channels in a literal Sequential"):
                bad_parts = list(parts)
                bad_parts[3 * i] = parts[3 * i].replace(f"Conv2d({c if i == 0 else widths[i - 1]},", f"Conv2d({g.wrong(c if i == 0 else widths[i - 1])},")

        def render(items: list[str]) -> str:
            return f"self.{name} = nn.Sequential(\n" + "".join(f"    {p},\n" for p in items) + ")"

        g.init(render(parts), render(bad_parts) if bad_parts else None)
    else:
        cfg = repr(widths) if style == "loop" else g.const(f"CFG{len(g.consts) + 1}", widths)
        body = (
            "layers = []\n"
            f"cin = {c}\n"
            f"for v in {cfg}:\n"
            "    layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU()]\n"
            "    cin = v\n"
            + ("layers.append(nn.MaxPool2d(kernel_size=2, stride=2))\n" if pool_after else "")
            + f"self.{name} = nn.Sequential(*layers)"
        )
        bad = None
        if g.perturb:
            if g.chance(0.5) and g.bad("sequential: in_channels of a loop-built Sequential"):
                bad = body.replace(f"cin = {c}\n", f"cin = {g.wrong(c)}\n")
            elif len(widths) > 1 and g.bad("sequential: channels not carried through the loop"):
                bad = body.replace("    cin = v\n", "")
        g.init(body, bad)
    g.fwd(f"x = self.{name}(x)")
    return True


def _width_keeping(g: Gen) -> tuple[str, str] | None:
    """A layer that keeps the shape of an image (3x3 conv, padding 1) or a sequence (square Linear),
    and the same layer one output channel or feature wider; None for an image too small."""
    if g.x.dim() == 4:
        c, h, w = g.shape[1:]
        if min(h, w) < 3:
            return None
        return f"nn.Conv2d({c}, {c}, 3, padding=1)", f"nn.Conv2d({c}, {c + 1}, 3, padding=1)"
    f = g.shape[2]
    return f"nn.Linear({f}, {f})", f"nn.Linear({f}, {f + 1})"


@op("modulelist", "image", "seq")
def module_list(g: Gen) -> bool:
    n = g.choice([2, 3])
    name = g.name("blocks")
    pair = _width_keeping(g)
    if pair is None:
        return False
    layer, wrong = pair
    good = f"self.{name} = nn.ModuleList([{layer} for _ in range({n})])"
    bad = f"self.{name} = nn.ModuleList([{wrong} for _ in range({n})])" if g.bad("modulelist: a layer that does not chain") else None
    if g.chance(0.3):
        good = f"self.{name} = nn.ModuleList()\nfor i in range({n}):\n    self.{name}.append({layer})"
        bad = bad and f"self.{name} = nn.ModuleList()\nfor i in range({n}):\n    self.{name}.append({wrong})"
    g.init(good, bad)
    loop = g.choice(
        [
            f"for layer in self.{name}:\n    x = F.relu(layer(x))",
            f"for i in range({n}):\n    x = self.{name}[i](x)",
            f"for i, layer in enumerate(self.{name}):\n    x = layer(x) + x",
        ]
    )
    g.fwd(loop)
    return True


@op("helper", "image")
def helper_conv_bn(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    name = g.name("unit")
    out = g.choice([4, 8, 16])
    g.init(f"self.{name}_conv = nn.Conv2d({c}, {out}, 3, padding=1, bias=False)")
    bad = f"self.{name}_bn = nn.BatchNorm2d({g.wrong(out)})" if g.bad("helper: BatchNorm2d features in a helper's layer") else None
    g.init(f"self.{name}_bn = nn.BatchNorm2d({out})", bad)
    g.helper(f"def _{name}(self, x):\n    return F.relu(self.{name}_bn(self.{name}_conv(x)))")
    g.fwd(f"x = self._{name}(x)")
    return True


_BLOCK = """class {cls}(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv_a = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.norm_a = nn.BatchNorm2d(cout)
        self.conv_b = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Sequential()
        if {condition}:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.norm_a(self.conv_a(x)))
        out = self.conv_b(out)
        return F.relu(out + self.shortcut(x))"""


@op("block", "image", weight=1.5)
def residual_block(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    cls = g.name("Block")
    out = g.choice([c, c, 8, 16])
    stride = g.choice([1, 1, 2]) if min(h, w) >= 4 else 1
    name = g.name("layer")
    good_cls = _BLOCK.format(cls=cls, condition="stride != 1 or cin != cout")
    bad_cls = bad_init = None
    if g.perturb:
        if (out != c) and stride == 1 and g.chance(0.5) and g.bad("block: shortcut missing when the channels change"):
            bad_cls = _BLOCK.format(cls=cls, condition="stride != 1")
        elif g.bad("block: in_channels of a custom block"):
            bad_init = f"self.{name} = {cls}({g.wrong(c)}, {out}, {stride})"
    g.klass(good_cls, bad_cls)
    if g.chance(0.5):
        g.init(f"self.{name} = {cls}({c}, {out}, {stride})", bad_init)
    else:
        two = f"self.{name} = nn.Sequential({cls}({c}, {out}, {stride}), {cls}({out}, {out}))"
        g.init(two, bad_init and two.replace(f"{cls}({c},", f"{cls}({g.wrong(c)},", 1))
    g.fwd(f"x = self.{name}(x)")
    return True


@op("seq", "image")
def to_tokens(g: Gen) -> bool:
    """(B, C, H, W) -> (B, H*W, C), as a ViT's patch embedding does."""
    forms = ["x = x.flatten(2).transpose(1, 2)", "x = x.reshape(x.shape[0], x.shape[1], -1).transpose(-1, -2)"]
    form = g.choice(forms + (["x = x.view(x.size(0), x.size(1), -1).permute(0, 2, 1)"] if g.x.is_contiguous() else []))
    bad = None
    if g.bad("transpose: dim out of range"):
        bad = form.replace("transpose(1, 2)", "transpose(1, 3)").replace("permute(0, 2, 1)", "permute(0, 3, 1)").replace("transpose(-1, -2)", "transpose(-1, 3)")
    g.fwd(form, bad)
    return True


# -- sequences (B, T, F) ----------------------------------------------------------------------------
@op("linear", "seq", "feat", weight=3)
def linear(g: Gen) -> bool:
    f = g.shape[-1]
    out = g.choice([4, 6, 8, 12, 16])
    name = g.name("fc")
    fin: object = f
    if g.chance(0.2) and not g.params:
        fin = g.param("in_features", f)
    bad = None
    if g.bad("linear: in_features"):
        bad = f"self.{name} = nn.Linear({g.wrong(f)}, {out})"
    g.init(f"self.{name} = nn.Linear({fin}, {out})", bad)
    g.fwd(g.choice(["x = self.{n}(x)", "x = F.gelu(self.{n}(x))", "x = torch.tanh(self.{n}(x))", "x = F.relu(self.{n}(x))"]).format(n=name))
    return True


@op("norm", "seq", "feat")
def layernorm(g: Gen) -> bool:
    f = g.shape[-1]
    name = g.name("norm")
    if g.chance(0.3):
        bad = f"x = F.layer_norm(x, ({g.wrong(f)},))" if g.bad("norm: F.layer_norm of other features") else None
        g.fwd(f"x = F.layer_norm(x, ({f},))", bad)
        return True
    g.layer(name, f"nn.LayerNorm({{}})", f, "norm: LayerNorm features")
    g.fwd(f"x = self.{name}(x)")
    return True


@op("rnn", "seq", weight=2)
def recurrent(g: Gen) -> bool:
    f = g.shape[-1]
    kind = g.choice(["LSTM", "GRU"])
    hidden = g.choice([4, 6, 8])
    layers = g.choice([1, 1, 2])
    bidir = g.chance(0.3)
    name = g.name(kind.lower())
    extra = (f", num_layers={layers}" if layers > 1 else "") + (", bidirectional=True" if bidir else "")
    bad = None
    if g.bad(f"rnn: {kind} input_size"):
        bad = f"self.{name} = nn.{kind}({g.wrong(f)}, {hidden}, batch_first=True{extra})"
    g.init(f"self.{name} = nn.{kind}({f}, {hidden}, batch_first=True{extra})", bad)
    if kind == "LSTM":
        form = g.choice(["x, _ = self.{n}(x)", "x, (h, c) = self.{n}(x)", "out, (h, c) = self.{n}(x)\nx = out"])
    else:
        form = g.choice(["x, _ = self.{n}(x)", "x, h = self.{n}(x)", "x = self.{n}(x)[0]"])
    g.fwd(form.format(n=name))
    return True


@op("rnn", "seq")
def recurrent_last_state(g: Gen) -> bool:
    """``_, (h, c) = self.lstm(x); x = h[-1]``: (B, hidden) features."""
    f = g.shape[-1]
    hidden = g.choice([4, 8])
    name = g.name("enc")
    g.layer(name, f"nn.LSTM({{}}, {hidden}, batch_first=True)", f, "rnn: LSTM input_size")
    g.fwd(g.choice(["_, (h, c) = self.{n}(x)\nx = h[-1]", "out, (h, _) = self.{n}(x)\nx = h.squeeze(0)", "out, _ = self.{n}(x)\nx = out[:, -1, :]"]).format(n=name))
    return True


@op("conv1d", "seq", weight=1.5)
def conv1d(g: Gen) -> bool:
    b, t, f = g.shape
    k = g.choice([1, 3, 3])
    p = k // 2 if g.chance(0.7) else 0
    if t + 2 * p < k:
        return False
    out = g.choice([4, 8, 12])
    name = g.name("tconv")
    bad_init = bad = None
    if g.perturb:
        if t != f and g.chance(0.4) and g.bad("conv1d: applied without moving the features to dim 1"):
            bad = f"x = self.{name}(x)"
        elif g.bad("conv1d: in_channels"):
            bad_init = f"self.{name} = nn.Conv1d({g.wrong(f)}, {out}, {k}, padding={p})"
    g.init(f"self.{name} = nn.Conv1d({f}, {out}, {k}, padding={p})", bad_init)
    good = g.choice(["x = self.{n}(x.transpose(1, 2)).transpose(1, 2)", "x = x.permute(0, 2, 1)\nx = F.relu(self.{n}(x))\nx = x.permute(0, 2, 1)"]).format(n=name)
    g.fwd(good, bad and bad + ".transpose(1, 2)")
    return True


@op("matmul", "seq", weight=2)
def attention(g: Gen) -> bool:
    b, t, f = g.shape
    d = g.choice([4, 8])
    name = g.name("att")
    g.init(f"self.{name}_q = nn.Linear({f}, {d})")
    bad_init = None
    score = g.choice(
        [
            "att = q @ k.transpose(-2, -1) * {s}",
            "att = torch.matmul(q, k.transpose(1, 2)) / {s2}",
            "att = torch.bmm(q, k.permute(0, 2, 1))",
            "att = torch.einsum('btd,bsd->bts', q, k)",
        ]
    )
    mix = g.choice(["x = att @ v", "x = torch.bmm(att, v)", "x = torch.einsum('bts,bsd->btd', att, v)", "x = torch.matmul(att, v)"])
    family = "einsum" if "einsum" in score else "bmm" if "bmm" in score else "matmul"
    bad_score = None
    if g.perturb:
        if g.chance(0.5) and g.bad(f"{family}: key of other features"):
            bad_init = f"self.{name}_k = nn.Linear({f}, {d + g.choice([1, 2])})"
        elif t != d and "einsum" not in score and g.bad(f"{family}: key not transposed"):
            bad_score = score.replace("k.transpose(-2, -1)", "k").replace("k.transpose(1, 2)", "k").replace("k.permute(0, 2, 1)", "k")
        elif "einsum" in score and g.bad("einsum: subscripts not matching the operand"):
            bad_score = "att = torch.einsum('btd,bsd->bts', q, k.unsqueeze(1))"
    g.init(f"self.{name}_k = nn.Linear({f}, {d})", bad_init)
    g.init(f"self.{name}_v = nn.Linear({f}, {f})")
    scale = {"s": f"{d} ** -0.5", "s2": f"{float(d) ** 0.5}"}
    g.fwd(
        f"q = self.{name}_q(x)\nk = self.{name}_k(x)\nv = self.{name}_v(x)\n{score.format(**scale)}",
        bad_score and f"q = self.{name}_q(x)\nk = self.{name}_k(x)\nv = self.{name}_v(x)\n{bad_score.format(**scale)}",
    )
    g.fwd(g.choice(["att = F.softmax(att, dim=-1)", "att = att.softmax(dim=-1)", "att = torch.softmax(att, -1)"]))
    g.fwd(mix)
    return True


@op("attention", "seq", weight=1.5)
def multi_head(g: Gen) -> bool:
    """nanoGPT's self-attention: qkv in one Linear, split, heads by view/transpose, back by view."""
    b, t, f = g.shape
    heads = [h for h in (1, 2, 4) if f % h == 0 and h < f]
    if not heads:
        return False
    h = g.choice(heads)
    name = g.name("mha")
    g.init(f"self.{name}_qkv = nn.Linear({f}, {3 * f})")
    g.init(f"self.{name}_proj = nn.Linear({f}, {f})")
    g.init(f"self.{name}_heads = {h}")
    body = (
        "B, T, C = x.size()\n"
        f"q, k, v = self.{name}_qkv(x).split({f}, dim=2)\n"
        f"q = q.view(B, T, self.{name}_heads, C // self.{name}_heads).transpose(1, 2)\n"
        f"k = k.view(B, T, self.{name}_heads, C // self.{name}_heads).transpose(1, 2)\n"
        f"v = v.view(B, T, self.{name}_heads, C // self.{name}_heads).transpose(1, 2)\n"
        "att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))\n"
        "att = F.softmax(att, dim=-1)\n"
        "y = att @ v\n"
        "y = y.transpose(1, 2).contiguous().view(B, T, C)\n"
        f"x = x + self.{name}_proj(y)"
    )
    bad = None
    if g.perturb:
        wrong_heads = next((k for k in (3, 5, 7) if f % k), None)
        variant = g.choice(["heads", "transpose", "proj"])
        if variant == "heads" and wrong_heads is not None and g.bad("attention: heads not dividing the features (view)"):
            bad = body.replace("C // self." + name + "_heads)", f"C // {wrong_heads})")
        elif variant == "transpose" and t != f // h and g.bad("attention: key not transposed"):
            bad = body.replace("(q @ k.transpose(-2, -1))", "(q @ k)")
        elif g.bad("attention: output projection of other features"):
            bad = body.replace(f"self.{name}_proj(y)", f"self.{name}_proj(y)[..., :{f - 1}]")
    g.fwd(body, bad)
    return True


@op("reduce", "seq", weight=1.5)
def pool_time(g: Gen) -> bool:
    t = g.shape[1]
    options = [
        ("x = x.mean(dim=1)", "x = x.mean(dim=3)", "reduce: dim out of range"),
        ("x = x.sum(1)", "x = x.sum(-4)", "reduce: dim out of range"),
        ("x, _ = x.max(dim=1)", "x, _ = x.max(dim=3)", "reduce: dim out of range"),
        ("x = x[:, -1]", f"x = x[:, {t}]", "index: out of range"),
        ("x = x[:, 0, :]", f"x = x[:, 0, :, 0]", "index: too many indices"),
        ("x = torch.mean(x, 1)", "x = torch.mean(x, 5)", "reduce: dim out of range"),
    ]
    good, bad, what = g.choice(options)
    g.fwd(good, bad if g.bad(what) else None)
    return True


@op("broadcast", "seq")
def positional(g: Gen) -> bool:
    t, f = g.shape[1:]
    name = g.name("pos")
    longest = t + g.choice([0, 2, 8])
    bad = None
    if g.perturb:
        if g.chance(0.5) and g.bad("broadcast: positional table of other features"):
            bad = f"self.{name} = nn.Parameter(torch.zeros(1, {longest}, {g.wrong(f)}))"
        elif t > 1 and g.bad("broadcast: positional table shorter than the sequence"):
            bad = f"self.{name} = nn.Parameter(torch.zeros(1, {t - 1}, {f}))"
    g.init(f"self.{name} = nn.Parameter(torch.zeros(1, {longest}, {f}))", bad)
    g.fwd(g.choice(["x = x + self.{n}[:, :x.size(1)]", "x = x + self.{n}[:, : x.shape[1], :]"]).format(n=name))
    return True


@op("cat", "seq")
def class_token(g: Gen) -> bool:
    f = g.shape[2]
    name = g.name("cls")
    g.layer(name, f"nn.Parameter(torch.zeros(1, 1, {{}}))", f, "cat: class token of other features")
    g.fwd(g.choice(["cls = self.{n}.expand(x.size(0), -1, -1)\nx = torch.cat([cls, x], dim=1)", "x = torch.cat((self.{n}.expand(x.shape[0], -1, -1), x), 1)"]).format(n=name))
    return True


@op("broadcast", "seq", "feat", weight=1.5)
def mlp_residual(g: Gen) -> bool:
    f = g.shape[-1]
    hidden = g.choice([8, 16])
    name = g.name("mlp")
    g.init(f"self.{name}_in = nn.Linear({f}, {hidden})")
    bad = f"self.{name}_out = nn.Linear({hidden}, {g.wrong(f)})" if f > 1 and g.bad("broadcast: residual of other features") else None
    g.init(f"self.{name}_out = nn.Linear({hidden}, {f})", bad)
    g.fwd(g.choice(["x = x + self.{n}_out(F.gelu(self.{n}_in(x)))", "h = F.relu(self.{n}_in(x))\nx = x + self.{n}_out(h)"]).format(n=name))
    return True


@op("softmax", "seq", "feat")
def softmax(g: Gen) -> bool:
    rank = g.x.dim()
    form = g.choice(["F.softmax(x, dim={d})", "F.log_softmax(x, dim={d})", "torch.softmax(x, {d})", "x.softmax({d})"])
    bad = "x = " + form.format(d=rank + 1) if g.bad("softmax: dim out of range") else None
    g.fwd("x = " + form.format(d=-1), bad)
    return True


@op("unsqueeze", "seq")
def to_image(g: Gen) -> bool:
    """(B, T, F) -> (B, 1, T, F): a one-channel image."""
    t, f = g.shape[1:]
    if t * f > 400:
        return False
    bad = "x = x.unsqueeze(5)" if g.bad("unsqueeze: dim out of range") else None
    g.fwd(g.choice(["x = x.unsqueeze(1)", "x = x[:, None]", "x = torch.unsqueeze(x, 1)"]), bad)
    return True


@op("linear", "seq")
def flatten_time(g: Gen) -> bool:
    t, f = g.shape[1:]
    if t * f > 512:
        return False
    name = g.name("head")
    n = g.choice([3, 5])
    bad = f"self.{name} = nn.Linear({f}, {n})" if t > 1 and g.bad("linear: features of one step, not of the flattened sequence") else None
    g.init(f"self.{name} = nn.Linear({t * f}, {n})", bad)
    forms = ["x = x.reshape(x.size(0), -1)", "x = x.flatten(1)"] + (["x = x.view(x.shape[0], {tf})"] if g.x.is_contiguous() else [])
    g.fwd(g.choice(forms).format(tf=t * f))
    g.fwd(f"x = self.{name}(x)")
    return True


@op("index", "seq")
def slice_features(g: Gen) -> bool:
    f = g.shape[2]
    if f < 2:
        return False
    k = g.rng.randrange(1, f)
    name = g.name("narrow")
    bad = f"self.{name} = nn.Linear({f}, {g.choice([4, 8])})" if g.bad("linear: features before the slice") else None
    g.init(f"self.{name} = nn.Linear({k}, {g.choice([4, 8])})", bad)
    forms = ["x = self.{n}(x[..., :{k}])", "x = self.{n}(x[:, :, :{k}])"] + (["x = x[:, 1:]\nx = self.{n}(x[..., -{k}:])"] if g.shape[1] > 1 else [])
    g.fwd(g.choice(forms).format(n=name, k=k))
    return True


# -- features (B, F) ---------------------------------------------------------------------------------
@op("norm", "feat")
def batchnorm1d(g: Gen) -> bool:
    f = g.shape[1]
    name = g.name("bn")
    g.layer(name, f"nn.BatchNorm1d({{}})", f, "norm: BatchNorm1d features")
    g.fwd(f"x = self.{name}(x)")
    return True


@op("F.linear", "feat")
def functional_linear(g: Gen) -> bool:
    f = g.shape[1]
    out = g.choice([4, 8])
    name = g.name("weight")
    g.layer(name, f"nn.Parameter(torch.randn({out}, {{}}) * 0.1)", f, "F.linear: weight of other in_features")
    g.fwd(g.choice(["x = F.linear(x, self.{n})", "x = F.linear(x, self.{n}, None)"]).format(n=name))
    return True


@op("matmul", "feat")
def projection(g: Gen) -> bool:
    f = g.shape[1]
    out = g.choice([4, 8])
    name = g.name("proj")
    g.layer(name, f"nn.Parameter(torch.randn({{}}, {out}))", f, "matmul: projection of other rows")
    g.fwd(g.choice(["x = x @ self.{n}", "x = torch.matmul(x, self.{n})", "x = torch.mm(x, self.{n})"]).format(n=name))
    return True


@op("cat", "feat")
def cat_features(g: Gen) -> bool:
    f = g.shape[1]
    out = g.choice([2, 4, 8])
    name = g.name("side")
    g.init(f"self.{name} = nn.Linear({f}, {out})")
    bad = None
    if out != f and g.bad("cat: along the batch dim"):
        bad = f"x = torch.cat([x, self.{name}(x)], dim=0)"
    g.fwd(g.choice(["x = torch.cat([x, self.{n}(x)], dim=1)", "x = torch.cat((x, self.{n}(x)), -1)"]).format(n=name), bad)
    return True


@op("einsum", "feat")
def outer_product(g: Gen) -> bool:
    f = g.shape[1]
    if f > 16:
        return False
    name = g.name("pair")
    out = g.choice([2, 3, 4])
    g.init(f"self.{name} = nn.Linear({f}, {out})")
    good = f"x = torch.einsum('bi,bj->bij', x, self.{name}(x)).flatten(1)"
    bad = f"x = torch.einsum('bi,bi->bi', x, self.{name}(x))" if out != f and g.bad("einsum: one letter of two sizes") else None
    g.fwd(good, bad)
    return True


@op("unsqueeze", "feat")
def to_sequence(g: Gen) -> bool:
    f = g.shape[1]
    divisors = [k for k in (2, 3, 4) if f % k == 0]
    if divisors and g.chance(0.6):
        k = g.choice(divisors)
        wrong = next(j for j in (3, 5, 7) if f % j)
        bad = f"x = x.view(x.size(0), {wrong}, {f // k})" if g.bad("view: sizes not multiplying to the features") else None
        forms = ["x = x.reshape(x.shape[0], {k}, -1)", "x = x.unflatten(1, ({k}, {r}))"]
        forms += ["x = x.view(x.size(0), {k}, {r})", "x = x.view(-1, {k}, {r})"] if g.x.is_contiguous() else []
        g.fwd(g.choice(forms).format(k=k, r=f // k), bad)
        return True
    bad = "x = x.unsqueeze(3)" if g.bad("unsqueeze: dim out of range") else None
    g.fwd(g.choice(["x = x.unsqueeze(1)", "x = x[:, None, :]"]), bad)
    return True


# -- tokens (B, T) long ------------------------------------------------------------------------------
@op("embedding", "tokens")
def embedding(g: Gen) -> bool:
    t = g.shape[1]
    vocab = int(g.fwd_ns["x"].max()) + 1 + g.choice([0, 3, 10])
    d = g.choice([4, 8, 12])
    name = g.name("tok")
    g.init(f"self.{name} = nn.Embedding({max(vocab, 50)}, {d})")
    if g.chance(0.5):
        longest = t + g.choice([0, 4])
        bad = f"self.{name}_pos = nn.Embedding({longest}, {g.wrong(d)})" if g.bad("broadcast: position embedding of other width") else None
        g.init(f"self.{name}_pos = nn.Embedding({longest}, {d})", bad)
        g.fwd(
            g.choice(
                [
                    "pos = torch.arange(x.size(1))\nx = self.{n}(x) + self.{n}_pos(pos)",
                    "b, t = x.size()\npos = torch.arange(0, t, dtype=torch.long)\nx = self.{n}(x) + self.{n}_pos(pos)[None]",
                ]
            ).format(n=name)
        )
    else:
        g.fwd(g.choice(["x = self.{n}(x)", "x = self.{n}(x) * {d} ** 0.5"]).format(n=name, d=d))
    return True


# -- more idioms: dense and inception blocks, U-Net skips, states, attention modules, ... --------------
@op("keepdim", "image", "seq")
def standardize(g: Gen) -> bool:
    """``x - x.mean(dim, keepdim=True)``: without keepdim the statistics no longer broadcast."""
    d = g.choice([1, -1]) if g.x.dim() == 3 else g.choice([1, (2, 3)])
    form = g.choice(
        [
            "x = x - x.mean(dim={d}, keepdim=True)",
            "x = x / (x.norm(dim={d}, keepdim=True) + 1e-6)",
            "x = (x - x.mean({d}, keepdim=True)) / (x.std({d}, keepdim=True) + 1e-5)",
            "x = x - torch.amax(x, dim={d}, keepdim=True)",
        ]
    )
    good = form.format(d=d)
    bad = None
    if g.bad("keepdim: statistics without keepdim"):
        bad = good.replace(", keepdim=True", "")
    g.fwd(good, bad)
    return True


@op("cat", "image")
def dense_block(g: Gen) -> bool:
    """DenseNet: every layer sees the concatenation of all earlier outputs."""
    c, h, w = g.shape[1:]
    if min(h, w) < 3 or c > 16:
        return False
    n, growth = g.choice([2, 3]), g.choice([2, 4])
    name = g.name("dense")
    good = f"self.{name} = nn.ModuleList([nn.Conv2d({c} + i * {growth}, {growth}, 3, padding=1) for i in range({n})])"
    bad = f"self.{name} = nn.ModuleList([nn.Conv2d({c}, {growth}, 3, padding=1) for i in range({n})])" if g.bad("cat: dense layers not seeing the grown channels") else None
    g.init(good, bad)
    g.fwd(f"features = [x]\nfor layer in self.{name}:\n    features.append(F.relu(layer(torch.cat(features, 1))))\nx = torch.cat(features, dim=1)")
    return True


@op("cat", "image")
def inception(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 5:
        return False
    name = g.name("branches")
    out = g.choice([2, 4])
    good = f"self.{name} = nn.ModuleList([nn.Conv2d({c}, {out}, k, padding=k // 2) for k in (1, 3, 5)])"
    bad = f"self.{name} = nn.ModuleList([nn.Conv2d({c}, {out}, k) for k in (1, 3, 5)])" if g.bad("cat: branches of different spatial sizes") else None
    g.init(good, bad)
    g.fwd(g.choice([f"x = torch.cat([branch(x) for branch in self.{name}], dim=1)", f"outs = []\nfor branch in self.{name}:\n    outs.append(branch(x))\nx = torch.cat(outs, 1)"]))
    return True


@op("cat", "image")
def unet_skip(g: Gen) -> bool:
    """Down by a pool, up by a transposed convolution, concatenated with the skip: odd sizes need care."""
    c, h, w = g.shape[1:]
    if min(h, w) < 4 or c > 16:
        return False
    name = g.name("up")
    g.init(f"self.{name}_down = nn.Conv2d({c}, {2 * c}, 3, padding=1)")
    g.init(f"self.{name} = nn.ConvTranspose2d({2 * c}, {c}, 2, stride=2)")
    head = f"skip = x\nx = F.max_pool2d(x, 2)\nx = F.relu(self.{name}_down(x))\nx = self.{name}(x)\n"
    if h % 2 or w % 2:
        fit = g.choice(["x = F.interpolate(x, size=skip.shape[2:])\n", "x = F.interpolate(x, size=skip.shape[-2:], mode='nearest')\n", "x = F.pad(x, [0, skip.size(3) - x.size(3), 0, skip.size(2) - x.size(2)])\n"])
        tail = "x = torch.cat([x, skip], dim=1)"
        g.fwd(head + fit + tail, head + tail if g.bad("cat: upsampled odd size not matching the skip") else None)
    else:
        g.fwd(head + "x = torch.cat([x, skip], dim=1)")
    return True


@op("conv", "image")
def transposed_conv(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if max(h, w) > 16:
        return False
    name = g.name("deconv")
    out = g.choice([2, 4, 8])
    k, s = g.choice([(2, 2), (3, 1), (4, 2), (3, 2)])
    g.layer(name, f"nn.ConvTranspose2d({{}}, {out}, {k}, stride={s})", c, "conv: ConvTranspose2d in_channels")
    g.fwd(f"x = F.relu(self.{name}(x))")
    return True


@op("norm", "image")
def group_norm(g: Gen) -> bool:
    c = g.shape[1]
    groups = [d for d in (1, 2, 4) if c % d == 0]
    name = g.name("gn")
    wrong = next((d for d in (3, 5, 7) if c % d), None)
    bad = None
    if g.perturb:
        if wrong is not None and g.chance(0.5) and g.bad("norm: GroupNorm groups not dividing the channels"):
            bad = f"self.{name} = nn.GroupNorm({wrong}, {c})"
        elif g.bad("norm: GroupNorm channels"):
            bad = f"self.{name} = nn.GroupNorm(1, {g.wrong(c)})"
    g.init(f"self.{name} = nn.GroupNorm({g.choice(groups)}, {c})", bad)
    g.fwd(f"x = self.{name}(x)")
    return True


@op("view", "image")
def unpack_shape(g: Gen) -> bool:
    """``b, c, h, w = x.shape`` and a view by those names."""
    c, h, w = g.shape[1:]
    form = g.choice(["b, c, h, w = x.shape\n", "b, c, h, w = x.size()\n", "b, c = x.shape[:2]\nh, w = x.shape[-2:]\n"])
    body = g.choice(["x = x.reshape(b, c, h * w).mean(-1).view(b, c, 1, 1) * x", "x = x.view(b, c, h * w).softmax(-1).view(b, c, h, w)"])
    if not g.x.is_contiguous():
        body = body.replace(".view(b, c, h * w)", ".reshape(b, c, h * w)")
    bad = form + body.replace("h * w)", "h * w * 2)", 1) if g.bad("view: sizes not multiplying to the elements") else None
    g.fwd(form + body, bad)
    return True


@op("rnn", "seq")
def lstm_with_state(g: Gen) -> bool:
    f = g.shape[2]
    hidden = g.choice([4, 6, 8])
    layers = g.choice([1, 2])
    name = g.name("rnn")
    g.init(f"self.{name} = nn.LSTM({f}, {hidden}, num_layers={layers}, batch_first=True)")
    g.init(f"self.{name}_hidden = {hidden}")
    state = f"h0 = torch.zeros({layers}, x.size(0), self.{name}_hidden)\nc0 = torch.zeros_like(h0)\n"
    good = state + f"x, (h, c) = self.{name}(x, (h0, c0))"
    bad = None
    if g.bad("rnn: initial state of other size"):
        bad = state.replace(f"self.{name}_hidden)", f"self.{name}_hidden + 1)") + f"x, (h, c) = self.{name}(x, (h0, c0))"
    g.fwd(good, bad)
    return True


@op("rnn", "seq")
def bidirectional_head(g: Gen) -> bool:
    """A bidirectional LSTM's features are twice its hidden size (the classic miss)."""
    f = g.shape[2]
    hidden = g.choice([4, 6])
    name = g.name("bi")
    out = g.choice([2, 3])
    g.init(f"self.{name} = nn.LSTM({f}, {hidden}, batch_first=True, bidirectional=True)")
    form = g.choice(["last", "states"])
    bad = f"self.{name}_fc = nn.Linear({hidden}, {out})" if g.bad("rnn: head of a bidirectional LSTM with the hidden size") else None
    g.init(f"self.{name}_fc = nn.Linear({hidden} * 2, {out})", bad)
    if form == "last":
        g.fwd(f"out, _ = self.{name}(x)\nx = self.{name}_fc(out[:, -1])")
    else:
        g.fwd(f"_, (h, _) = self.{name}(x)\nx = self.{name}_fc(torch.cat((h[-2], h[-1]), dim=1))")
    return True


@op("attention", "seq")
def attention_module(g: Gen) -> bool:
    f = g.shape[2]
    heads = [h for h in (1, 2, 4) if f % h == 0]
    h = g.choice(heads)
    name = g.name("mhsa")
    kind = g.choice(["mha", "encoder", "stack"])
    bad = None
    wrong_heads = next((k for k in (3, 5, 7) if f % k), None)
    if kind == "mha":
        good = f"self.{name} = nn.MultiheadAttention({f}, {h}, batch_first=True)"
        if g.perturb:
            if g.chance(0.5) and g.bad("attention: MultiheadAttention embed_dim"):
                bad = f"self.{name} = nn.MultiheadAttention({g.wrong(f)}, 1, batch_first=True)"
            elif wrong_heads is not None and g.bad("attention: heads not dividing embed_dim"):
                bad = f"self.{name} = nn.MultiheadAttention({f}, {wrong_heads}, batch_first=True)"
        g.init(good, bad)
        g.fwd(g.choice(["y, _ = self.{n}(x, x, x)\nx = x + y", "x = self.{n}(x, x, x, need_weights=False)[0]"]).format(n=name))
        return True
    layer = "nn.TransformerEncoderLayer(d_model={d}, nhead={h}, dim_feedforward=16, dropout=0.0, batch_first=True)"
    good = f"self.{name} = " + layer.format(d=f, h=h)
    if kind == "stack":
        good = f"self.{name} = nn.TransformerEncoder({layer.format(d=f, h=h)}, num_layers=2)"
    if g.bad("attention: TransformerEncoderLayer d_model"):
        bad = good.replace(f"d_model={f}", f"d_model={g.wrong(f)}").replace(f"nhead={h}", "nhead=1")
    g.init(good, bad)
    g.fwd(f"x = self.{name}(x)")
    return True


@op("stack", "seq")
def step_loop(g: Gen) -> bool:
    """A Python loop over time steps, stacked back."""
    t, f = g.shape[1:]
    out = g.choice([4, 8])
    name = g.name("step")
    g.layer(name, f"nn.Linear({{}}, {out})", f, "linear: the step layer's in_features")
    g.fwd(
        g.choice(
            [
                "outs = []\nfor t in range(x.size(1)):\n    outs.append(self.{n}(x[:, t]))\nx = torch.stack(outs, dim=1)",
                "x = torch.stack([self.{n}(x[:, t, :]) for t in range(x.shape[1])], 1)",
            ]
        ).format(n=name)
    )
    return True


@op("masked", "seq")
def causal_mask(g: Gen) -> bool:
    """nanoGPT's causal mask: a buffer sliced to the sequence length."""
    t, f = g.shape[1:]
    longest = t + g.choice([0, 3])
    name = g.name("causal")
    g.init(f"self.{name}_q = nn.Linear({f}, {f})")
    good = f'self.register_buffer("{name}_mask", torch.tril(torch.ones({longest}, {longest})).view(1, {longest}, {longest}))'
    bad = None
    if t > 2 and g.bad("masked: mask shorter than the sequence"):
        bad = f'self.register_buffer("{name}_mask", torch.tril(torch.ones({t - 1}, {t - 1})).view(1, {t - 1}, {t - 1}))'
    g.init(good, bad)
    g.fwd(
        f"T = x.size(1)\natt = self.{name}_q(x) @ x.transpose(1, 2)\n"
        f"att = att.masked_fill(self.{name}_mask[:, :T, :T] == 0, float('-inf'))\n"
        "x = F.softmax(att, dim=-1) @ x"
    )
    return True


@op("conv", "seq")
def text_cnn(g: Gen) -> bool:
    """Kim's CNN for sentences: (B, T, D) -> one channel -> convolutions as wide as D -> max over time."""
    t, d = g.shape[1:]
    sizes = [k for k in (2, 3, 4) if k <= t]
    if not sizes or d > 16:
        return False
    n = g.choice([2, 4])
    name = g.name("convs")
    good = f"self.{name} = nn.ModuleList([nn.Conv2d(1, {n}, (k, {d})) for k in {tuple(sizes)!r}])"
    bad_init = bad = None
    body = (
        "x = x.unsqueeze(1)\n"
        f"xs = [F.relu(conv(x)).squeeze(3) for conv in self.{name}]\n"
        "xs = [F.max_pool1d(i, i.size(2)).squeeze(2) for i in xs]\n"
        "x = torch.cat(xs, 1)"
    )
    if g.perturb:
        if g.chance(0.5) and g.bad("conv: kernel wider than the embedding"):
            bad_init = f"self.{name} = nn.ModuleList([nn.Conv2d(1, {n}, (k, {d + 1})) for k in {tuple(sizes)!r}])"
        elif g.bad("squeeze: the wrong dim before a 1d pool"):
            bad = body.replace("squeeze(3)", "squeeze(2)")
    g.init(good, bad_init)
    g.fwd(body, bad)
    return True


@op("chunk", "feat", "seq")
def reparameterize(g: Gen) -> bool:
    f = g.shape[-1]
    z = g.choice([2, 4])
    name = g.name("enc")
    bad = f"self.{name} = nn.Linear({f}, {2 * z + 1})" if g.bad("chunk: mean and log-variance of different sizes") else None
    g.init(f"self.{name} = nn.Linear({f}, {2 * z})", bad)
    g.fwd(f"mu, logvar = self.{name}(x).chunk(2, dim=-1)\nx = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)")
    return True


@op("view", "feat")
def decoder(g: Gen) -> bool:
    """(B, F) -> Linear -> (B, C, h, w): the view must take exactly the features."""
    f = g.shape[1]
    c, side = g.choice([1, 2, 4]), g.choice([2, 3, 4])
    name = g.name("dec")
    g.init(f"self.{name} = nn.Linear({f}, {c * side * side})")
    good = g.choice(["x = self.{n}(x).view(-1, {c}, {s}, {s})", "x = self.{n}(x).view(x.size(0), {c}, {s}, {s})", "x = self.{n}(x).reshape(-1, {c}, {s}, {s})"])
    bad = good.format(n=name, c=c, s=side).replace(f", {side}, {side})", f", {side + 1}, {side})") if g.bad("view: sizes not multiplying to the features") else None
    g.fwd(good.format(n=name, c=c, s=side), bad)
    return True


@op("conditional", "image")
def conditional_projection(g: Gen) -> bool:
    """``if x.size(1) != self.width: x = self.proj(x)``, and a layer switched by a constructor flag."""
    c = g.shape[1]
    width = g.choice([c, 8, 16])
    name = g.name("proj")
    flag = f"use_{name}"
    g.param(flag, True)
    bad = f"    self.{name} = nn.Conv2d({g.wrong(c)}, {width}, 1)" if width != c and g.bad("conditional: projection of other channels") else None
    g.init(f"self.{name}_width = {width}\nif {flag}:\n    self.{name} = nn.Conv2d({c}, {width}, 1)", bad and f"self.{name}_width = {width}\nif {flag}:\n{bad}")
    g.fwd(f"if x.size(1) != self.{name}_width:\n    x = self.{name}(x)")
    return True


@op("conv", "image")
def conv_factory(g: Gen) -> bool:
    """torchvision's ``conv3x3(in_planes, out_planes, stride)``: a module-level function building the layer."""
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    helper = "conv3x3"
    if not any(p.good.startswith(f"def {helper}") for p in g.consts):
        g.consts.append(_Piece(f"def {helper}(in_planes, out_planes, stride=1):\n    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)\n"))
    out = g.choice([4, 8, 16])
    stride = g.choice([1, 2])
    name = g.name("c3x3_")
    g.layer(name, f"{helper}({{}}, {out}, {stride})", c, "conv: in_channels through a factory function")
    g.fwd(f"x = F.relu(self.{name}(x))")
    return True


# -- constructor arguments, factories, functional layers, dicts of modules, asserts ------------------
@op("linear", "feat", "seq")
def classifier(g: Gen) -> bool:
    """The head's width is a constructor parameter; ``test()`` passes another value than the default."""
    if any(name == "num_classes" for name, _, _ in g.params):
        return False
    f = g.shape[-1]
    classes = g.param("num_classes", 10, g.choice([3, 7]))
    bad = f"self.classifier = nn.Linear({g.wrong(f)}, {classes})" if g.bad("linear: the classifier's in_features") else None
    g.init(f"self.classifier = nn.Linear({f}, {classes})", bad)
    g.fwd("x = self.classifier(x)")
    return True


_STAGE = """def _make_layer(self, block, cin, cout, blocks, stride=1):
    layers = [block(cin, cout, stride)]
    for _ in range(1, blocks):
        layers.append(block({carried}, cout))
    return nn.Sequential(*layers)"""


@op("block", "image")
def make_layer(g: Gen) -> bool:
    """torchvision's ``self._make_layer(Block, cin, cout, blocks, stride)``."""
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    cls = next((p.good.split("(")[0].split()[-1] for p in g.classes if p.good.startswith("class Block")), None)
    if cls is None:
        cls = g.name("Block")
        g.klass(_BLOCK.format(cls=cls, condition="stride != 1 or cin != cout"))
    out = g.choice([8, 16]) if c != 16 else 8
    stride = g.choice([1, 2]) if min(h, w) >= 4 else 1
    if not any(p.good.startswith("def _make_layer") for p in g.helpers):
        g.helper(_STAGE.format(carried="cout"), _STAGE.format(carried="cin") if g.bad("block: _make_layer not carrying the channels") else None)
    name = g.name("stage")
    g.init(f"self.{name} = self._make_layer({cls}, {c}, {out}, {g.choice([2, 3])}, stride={stride})")
    g.fwd(f"x = self.{name}(x)")
    return True


@op("conv", "image")
def functional_conv(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    out = g.choice([4, 8])
    name = g.name("kernel")
    g.layer(name, f"nn.Parameter(torch.randn({out}, {{}}, 3, 3) * 0.1)", c, "conv: F.conv2d weight of other in_channels")
    g.fwd(g.choice(["x = F.conv2d(x, self.{n}, padding=1)", "x = F.relu(F.conv2d(x, self.{n}, None, 1, 1))", "x = F.conv2d(x, self.{n}, stride=1)"]).format(n=name))
    return True


@op("embedding", "tokens")
def functional_embedding(g: Gen) -> bool:
    d = g.choice([4, 8])
    name = g.name("table")
    g.init(f"self.{name} = nn.Parameter(torch.randn(50, {d}))")
    g.fwd(f"x = F.embedding(x, self.{name})")
    return True


@op("attention", "seq")
def sdpa(g: Gen) -> bool:
    f = g.shape[2]
    d = g.choice([4, 8])
    name = g.name("sdpa")
    g.init(f"self.{name}_q = nn.Linear({f}, {d})")
    bad = f"self.{name}_k = nn.Linear({f}, {d + 1})" if g.bad("attention: scaled_dot_product_attention key of other features") else None
    g.init(f"self.{name}_k = nn.Linear({f}, {d})", bad)
    g.init(f"self.{name}_v = nn.Linear({f}, {f})")
    g.fwd(f"x = x + F.scaled_dot_product_attention(self.{name}_q(x), self.{name}_k(x), self.{name}_v(x), is_causal={g.choice([True, False])})")
    return True


@op("moduledict", "feat", "seq")
def module_dict(g: Gen) -> bool:
    f = g.shape[-1]
    name = g.name("heads")
    sizes = {"a": g.choice([2, 3]), "b": g.choice([2, 4])}
    good = f"self.{name} = nn.ModuleDict({{'a': nn.Linear({f}, {sizes['a']}), 'b': nn.Linear({f}, {sizes['b']})}})"
    bad = good.replace(f"'b': nn.Linear({f},", f"'b': nn.Linear({g.wrong(f)},") if g.bad("moduledict: a head of other in_features") else None
    g.init(good, bad)
    g.fwd(
        g.choice(
            [
                "x = torch.cat([self.{n}['a'](x), self.{n}['b'](x)], dim=-1)",
                "x = torch.cat([head(x) for head in self.{n}.values()], -1)",
                "outs = []\nfor key, head in self.{n}.items():\n    outs.append(head(x))\nx = torch.cat(outs, dim=-1)",
            ]
        ).format(n=name)
    )
    return True


@op("cat", "feat")
def zero_padding(g: Gen) -> bool:
    k = g.choice([1, 2, 3])
    good = g.choice(["pad = x.new_zeros(x.size(0), {k})", "pad = torch.zeros(x.shape[0], {k})"]).format(k=k)
    bad = good.replace("x.size(0)", "x.size(0) + 1").replace("x.shape[0]", "x.shape[0] + 1") if g.bad("cat: padding of another batch size") else None
    g.fwd(f"{good}\nx = torch.cat([x, pad], dim=1)", bad and f"{bad}\nx = torch.cat([x, pad], dim=1)")
    return True


@op("activation", "image", "seq", "feat", weight=0.7)
def activation_module(g: Gen) -> bool:
    name = g.name("act")
    flag = g.name("relu")
    g.param(f"use_{flag}", True)
    g.init(f"self.{name} = nn.ReLU() if use_{flag} else nn.GELU()")
    g.fwd(g.choice(["x = self.{n}(x)", "x = self.{n}(x) + 0.0"]).format(n=name))
    return True


@op("assert", "image", "seq", "feat")
def shape_assert(g: Gen) -> bool:
    d = g.rng.randrange(1, g.x.dim())
    size = g.shape[d]
    good = g.choice(["assert x.size({d}) == {s}", "assert x.shape[{d}] == {s}, 'unexpected size'", "assert x.dim() == {r}"]).format(d=d, s=size, r=g.x.dim())
    bad = None
    if g.bad("assert: a size the tensor does not have"):
        bad = good.replace(f"== {size}", f"== {size + 1}").replace(f"== {g.x.dim()}", f"== {g.x.dim() + 1}")
    g.fwd(good, bad)
    return True


_PATCHIFY = """def patchify(x, p):
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // p, p, w // p, p)
    x = x.permute(0, 2, 4, 1, 3, 5)
    return x.reshape(b, (h // p) * (w // p), c * p * p)
"""


@op("view", "image")
def patchify(g: Gen) -> bool:
    """A module-level function: (B, C, H, W) -> (B, H/p * W/p, C*p*p); p must divide H and W."""
    c, h, w = g.shape[1:]
    sizes = [p for p in (2, 3, 4) if h % p == 0 and w % p == 0 and c * p * p <= 64]
    if not sizes:
        return False
    p = g.choice(sizes)
    if not any(piece.good.startswith("def patchify") for piece in g.consts):
        g.consts.append(_Piece(_PATCHIFY))
    wrong = next((q for q in (3, 5, 7) if h % q or w % q), None)
    bad = f"x = patchify(x, {wrong})" if wrong is not None and g.bad("view: patch size not dividing the image") else None
    g.fwd(f"x = patchify(x, {p})", bad)
    return True


@op("einsum", "image")
def einsum_image(g: Gen) -> bool:
    c = g.shape[1]
    name = g.name("gate")
    g.init(f"self.{name} = nn.Linear({c}, {c})")
    good = f"x = torch.einsum('bchw,bc->bchw', x, torch.sigmoid(self.{name}(x.mean((2, 3)))))"
    bad = good.replace("'bchw,bc->bchw', x,", "'bchw,bc->bchw', x.transpose(1, 2),") if g.shape[2] != c and g.bad("einsum: operands transposed") else None
    g.fwd(good, bad)
    return True


@op("broadcast", "image", "seq")
def learned_scale(g: Gen) -> bool:
    """``x * self.gamma``: a per-channel scale broadcast against the last dims."""
    name = g.name("gamma")
    if g.x.dim() == 4:
        c, w = g.shape[1], g.shape[3]
        good = f"self.{name} = nn.Parameter(torch.ones({c}, 1, 1))"
        bad = f"self.{name} = nn.Parameter(torch.ones({c}))" if c != w and c != 1 and g.bad("broadcast: a channel scale without its spatial dims") else None
    else:
        f = g.shape[2]
        good = f"self.{name} = nn.Parameter(torch.ones({f}))"
        bad = f"self.{name} = nn.Parameter(torch.ones({g.wrong(f)}))" if f > 1 and g.bad("broadcast: a scale of other features") else None
    g.init(good, bad)
    g.fwd(f"x = x * self.{name}")
    return True


# -- Python the interpreter must follow: zip, f-strings and setattr, children(), while, inheritance ----
@op("modulelist", "image")
def conv_bn_pairs(g: Gen) -> bool:
    """``for conv, bn in zip(self.convs, self.bns)``."""
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    n = g.choice([2, 3])
    widths = [g.choice([4, 8]) for _ in range(n)]
    name = g.name("pairs")
    g.init(f"self.{name}_convs = nn.ModuleList()\nself.{name}_bns = nn.ModuleList()\ncin = {c}\nfor v in {widths!r}:\n    self.{name}_convs.append(nn.Conv2d(cin, v, 3, padding=1))\n    self.{name}_bns.append(nn.BatchNorm2d(v))\n    cin = v")
    good = f"for conv, bn in zip(self.{name}_convs, self.{name}_bns):\n    x = F.relu(bn(conv(x)))"
    bad = f"for conv, bn in zip(self.{name}_convs, reversed(self.{name}_bns)):\n    x = F.relu(bn(conv(x)))" if widths != widths[::-1] and g.bad("modulelist: batch norms zipped in the wrong order") else None
    g.fwd(good, bad)
    return True


@op("sequential", "image")
def sequential_of_blocks(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if min(h, w) < 3:
        return False
    n = g.choice([2, 3])
    name = g.name("trunk")
    good = f"self.{name} = nn.Sequential(*[nn.Sequential(nn.Conv2d({c}, {c}, 3, padding=1), nn.BatchNorm2d({c}), nn.ReLU()) for _ in range({n})])"
    bad = good.replace(f"nn.BatchNorm2d({c})", f"nn.BatchNorm2d({g.wrong(c)})") if g.bad("sequential: a layer of a comprehension-built Sequential") else None
    g.init(good, bad)
    g.fwd(f"x = self.{name}(x)")
    return True


@op("setattr", "image", "seq")
def named_by_fstring(g: Gen) -> bool:
    """``setattr(self, f"fc{i}", ...)`` in ``__init__``, ``getattr(self, f"fc{i}")`` in ``forward``."""
    n = g.choice([2, 3])
    name = g.name("lay")
    pair = _width_keeping(g)
    if pair is None:
        return False
    layer, wrong = pair
    form = g.choice(['setattr(self, f"{n}_{{i}}", {l})', 'self.add_module(f"{n}_{{i}}", {l})', 'setattr(self, "{n}_" + str(i), {l})'])
    good = f"for i in range({n}):\n    " + form.format(n=name, l=layer)
    bad = f"for i in range({n}):\n    " + form.format(n=name, l=wrong) if g.bad("setattr: layers named by f-strings that do not chain") else None
    g.init(good, bad)
    g.fwd(g.choice([f'for i in range({n}):\n    x = getattr(self, f"{name}_{{i}}")(x)', f'for i in range({n}):\n    layer = getattr(self, "{name}_%d" % i)\n    x = layer(x)']))
    return True


@op("view", "image", "seq")
def starred_view(g: Gen) -> bool:
    rank = g.x.dim()
    if not g.x.is_contiguous():
        return False
    good = g.choice(["x = x.view(*x.shape[:2], -1)", "x = x.reshape(*x.size()[:2], -1)"])
    if rank == 4:
        good += "\nx = x.view(x.size(0), x.size(1), {h}, {w})".format(h=g.shape[2], w=g.shape[3])
    bad = good.replace("-1)", "-1, 2)", 1) if g.bad("view: one size too many") and g.shape[-1] % 2 else None
    g.fwd(good, bad)
    return True


@op("helper", "image", "seq", "feat")
def split_helper(g: Gen) -> bool:
    """A helper returning a tuple, unpacked in ``forward``."""
    d = 1 if g.x.dim() != 3 else 2
    c = g.shape[d]
    if c < 2:
        return False
    k = g.rng.randrange(1, c)
    name = g.name("halves")
    index = "[:, {s}]" if d == 1 else "[:, :, {s}]"
    g.helper(f"def _{name}(self, x):\n    return x{index.format(s=f':{k}')}, x{index.format(s=f'{k}:')}")
    good = f"a, b = self._{name}(x)\nx = torch.cat([b, a], dim={d})"
    bad = f"a, b = self._{name}(x)\nx = a + b" if k * 2 != c and k != 1 and c - k != 1 and g.bad("broadcast: halves of different sizes added") else None
    g.fwd(good, bad)
    return True


@op("while", "image")
def shrink_while(g: Gen) -> bool:
    """``while x.size(-1) > k: x = F.max_pool2d(x, 2)``: a loop whose count depends on the size."""
    h, w = g.shape[2:]
    if min(h, w) < 4:
        return False
    k = g.choice([2, 3, 4])
    g.fwd(f"while x.size(-1) > {k} and x.size(-2) > {k}:\n    x = F.max_pool2d(x, 2)")
    return True


_BASE = """class {cls}(nn.Module):
    expansion = {expansion}

    def _flatten_head(self, x):
        return torch.flatten(x, 1)"""


@op("inheritance", "image")
def inherited_head(g: Gen) -> bool:
    """The head uses a class attribute and a method the model inherits (``class Net(Base)``)."""
    c, h, w = g.shape[1:]
    if c * h * w > 2048 or any(p.good.startswith("class Base") for p in g.classes):
        return False
    expansion = g.choice([1, 2])
    g.klass(_BASE.format(cls="Base", expansion=expansion))
    g.bases = "Base"
    name = g.name("exp")
    g.init(f"self.{name} = nn.Conv2d({c}, {c} * self.expansion, 1)")
    n = g.choice([2, 5])
    bad = f"self.{name}_fc = nn.Linear({c * h * w}, {n})" if expansion > 1 and g.bad("linear: features without the class's expansion") else None
    g.init(f"self.{name}_fc = nn.Linear({c} * self.expansion * {h} * {w}, {n})", bad)
    g.fwd(f"x = self._flatten_head(self.{name}(x))\nx = self.{name}_fc(x)")
    return True


@op("children", "feat")
def children_loop(g: Gen) -> bool:
    """Layers added to an empty ``nn.Sequential()`` with ``add_module`` (torchvision's DenseNet), run
    by ``for m in self.mlp.children()`` or as the Sequential."""
    f = g.shape[1]
    widths = [g.choice([4, 8, 16]) for _ in range(g.choice([2, 3]))]
    name = g.name("mlp")
    key = g.choice(["f'fc{i}'", "'fc%d' % (i + 1)", "'fc' + str(i)"])
    body = f"self.{name} = nn.Sequential()\ncin = {f}\nfor i, v in enumerate({widths!r}):\n    self.{name}.add_module({key}, nn.Linear(cin, v))\n    cin = v"
    bad = body.replace("    cin = v", "    cin = v + 1") if g.bad("linear: a width carried wrong through add_module") else None
    g.init(body, bad)
    g.fwd(g.choice([f"for m in self.{name}.children():\n    x = F.relu(m(x))", f"x = self.{name}(x)"]))
    return True


@op("config", "image", "feat", "seq")
def dict_config(g: Gen) -> bool:
    """A module-level config dict read in ``__init__``."""
    d = 1 if g.x.dim() == 4 else -1
    c = g.shape[d]
    key = g.name("cfg")
    width = g.choice([4, 8])
    g.consts.append(_Piece(f"{key.upper()} = {{'width': {width}, 'in': {c}}}"))
    layer = "nn.Conv2d({k}['in'], {k}['width'], 1)" if g.x.dim() == 4 else "nn.Linear({k}['in'], {k}['width'])"
    name = g.name("cfgd")
    good = f"self.{name} = " + layer.format(k=key.upper())
    bad = f"self.{name} = " + layer.format(k=key.upper()).replace("['in']", "['width']") if width != c and g.bad("config: a layer reading the wrong key") else None
    g.init(good, bad)
    g.fwd(f"x = self.{name}(x)")
    return True


# -- arguments torch checks: biases, repeated or missing dims, 'same' padding, shuffles, glu ----------
@op("F.linear", "feat", "seq")
def functional_linear_bias(g: Gen) -> bool:
    f = g.shape[-1]
    out = g.choice([4, 6])
    name = g.name("lin")
    g.init(f"self.{name}_w = nn.Parameter(torch.randn({out}, {f}) * 0.1)")
    bad = f"self.{name}_b = nn.Parameter(torch.zeros({out + 1}))" if g.bad("F.linear: bias of other size") else None
    g.init(f"self.{name}_b = nn.Parameter(torch.zeros({out}))", bad)
    g.fwd(g.choice(["x = F.linear(x, self.{n}_w, self.{n}_b)", "x = F.linear(x, weight=self.{n}_w, bias=self.{n}_b)"]).format(n=name))
    return True


@op("dims", "image", "seq", "feat")
def dim_arguments(g: Gen) -> bool:
    """A dim argument torch rejects: repeated in a permute, two -1 in a view, a transpose past the rank."""
    rank = g.x.dim()
    order = list(range(rank))
    options = [
        (f"x = x.permute({', '.join(map(str, order))})", f"x = x.permute({', '.join(map(str, order[:-1] + [order[-2]]))})", "dims: a dim repeated in a permute"),
        ("x = x.transpose(0, 1).transpose(0, 1)", f"x = x.transpose(0, {rank})", "dims: transpose past the rank"),
        ("x = torch.flatten(x, 0, 0)", f"x = torch.flatten(x, {rank - 1}, 0)", "dims: flatten with start after end"),
        ("x = x.unsqueeze(0).squeeze(0)", f"x = x.unsqueeze({rank + 2})", "unsqueeze: dim out of range"),
    ]
    if g.x.is_contiguous():
        options.append(("x = x.view(x.size(0), -1).view(x.shape)", "x = x.view(-1, -1).view(x.shape)", "view: two inferred sizes"))
    good, bad, what = g.choice(options)
    g.fwd(good, bad if g.bad(what) else None)
    return True


@op("cat", "image", "seq")
def cat_ranks(g: Gen) -> bool:
    """``torch.cat`` of a tensor and a pooled summary: the summary keeps its dims with keepdim/expand."""
    rank = g.x.dim()
    if rank == 4:
        good = "s = x.mean(dim=1, keepdim=True)\nx = torch.cat([x, s], dim=1)"
        bad = "s = x.mean(dim=1)\nx = torch.cat([x, s], dim=1)"
    else:
        good = "s = x.mean(dim=1, keepdim=True).expand(-1, x.size(1), -1)\nx = torch.cat([x, s], dim=-1)"
        bad = "s = x.mean(dim=1)\nx = torch.cat([x, s], dim=-1)"
    g.fwd(good, bad if g.bad("cat: tensors of different ranks") else None)
    return True


@op("expand", "seq")
def expand_rank(g: Gen) -> bool:
    f = g.shape[2]
    name = g.name("query")
    g.init(f"self.{name} = nn.Parameter(torch.zeros(1, 1, {f}))")
    good = f"x = x + self.{name}.expand(x.size(0), x.size(1), -1)"
    bad = f"x = x + self.{name}.expand(x.size(0), -1)" if g.bad("expand: fewer sizes than dims") else None
    g.fwd(good, bad)
    return True


@op("bmm", "seq")
def bmm_rank(g: Gen) -> bool:
    good = "x = torch.bmm(x, x.transpose(1, 2)).softmax(-1) @ x"
    bad = "x = torch.bmm(x.unsqueeze(1), x.transpose(1, 2).unsqueeze(1)).squeeze(1).softmax(-1) @ x" if g.bad("bmm: 4D operands") else None
    g.fwd(good, bad)
    return True


@op("conv", "image")
def same_padding(g: Gen) -> bool:
    """``padding='same'`` keeps the size (stride 1 only); ``'valid'`` is no padding."""
    c, h, w = g.shape[1:]
    k = g.choice([3, 5])
    if min(h, w) < k:
        return False
    out = g.choice([4, 8])
    name = g.name("same")
    mode = g.choice(["'same'", "'valid'", "'same'"])
    good = f"self.{name} = nn.Conv2d({c}, {out}, {k}, padding={mode}, dilation={g.choice([1, 1, 2]) if mode == repr('same') else 1})"
    bad = None
    if g.perturb:
        if mode == "'same'" and g.chance(0.5) and g.bad("conv: padding='same' with a stride"):
            bad = f"self.{name} = nn.Conv2d({c}, {out}, {k}, stride=2, padding='same')"
        elif c > 1 and g.bad("conv: depthwise groups not dividing the output channels"):
            bad = f"self.{name} = nn.Conv2d({c}, {c + 1}, {k}, padding={mode}, groups={c})"
    g.init(good, bad)
    g.fwd(f"x = self.{name}(x)")
    return True


@op("pool", "image")
def pool_options(g: Gen) -> bool:
    h, w = g.shape[2:]
    if min(h, w) < 3:
        return False
    name = g.name("mp")
    form = g.choice(["ceil", "indices", "1d"])
    if form == "ceil":
        g.init(f"self.{name} = nn.MaxPool2d(2, ceil_mode=True)")
        g.fwd(f"x = self.{name}(x)")
    elif form == "indices":
        g.init(f"self.{name} = nn.MaxPool2d(2, return_indices=True)")
        bad = f"x = self.{name}(x)\nx = x.flatten(1)" if g.bad("pool: the (values, indices) tuple used as a tensor") else None
        g.fwd(f"x, idx = self.{name}(x)", bad)
    else:
        g.fwd("b, c, h, w = x.shape\nx = F.max_pool1d(x.reshape(b, c * h, w), 2).reshape(b, c, h, -1)")
    return True


@op("shuffle", "image")
def pixel_shuffle(g: Gen) -> bool:
    c, h, w = g.shape[1:]
    if max(h, w) > 12:
        return False
    name = g.name("shuffle")
    g.init(f"self.{name}_conv = nn.Conv2d({c}, {4 * c}, 1)")
    g.init(f"self.{name} = nn.PixelShuffle(2)")
    good = g.choice(["x = self.{n}(self.{n}_conv(x))", "x = F.pixel_shuffle(self.{n}_conv(x), 2)"]).format(n=name)
    bad = good.replace(f"self.{name}_conv(x)", "x") if c % 4 and g.bad("shuffle: channels not a multiple of the factor squared") else None
    g.fwd(good, bad)
    return True


@op("chunk", "image", "seq")
def glu(g: Gen) -> bool:
    d = 1 if g.x.dim() == 4 else -1
    c = g.shape[d]
    name = g.name("glu")
    layer = f"nn.Conv2d({c}, {2 * c}, 1)" if d == 1 else f"nn.Linear({c}, {2 * c})"
    g.init(f"self.{name} = {layer}")
    bad_layer = f"nn.Conv2d({c}, {2 * c + 1}, 1)" if d == 1 else f"nn.Linear({c}, {2 * c + 1})"
    if g.bad("chunk: F.glu of an odd size"):
        g.init_lines[-1] = _Piece(f"self.{name} = {layer}", f"self.{name} = {bad_layer}")
    g.fwd(g.choice(["x = F.glu(self.{n}(x), dim={d})", "x = F.glu(self.{n}(x), {d})"]).format(n=name, d=d))
    return True


@op("squeeze", "image")
def squeeze_all(g: Gen) -> bool:
    """``x.squeeze()`` drops every dim of size 1, the batch too when it is 1."""
    c = g.shape[1]
    if c == 1:
        return False
    name = g.name("sq")
    n = g.choice([3, 5])
    g.init(f"self.{name} = nn.Linear({c}, {n})")
    g.fwd(f"x = F.adaptive_avg_pool2d(x, 1).squeeze()\nx = self.{name}(x)")
    return True


# -- drawing a program ---------------------------------------------------------------------------------
_STARTS: dict[str, tuple[str, ...]] = {
    "image": ("conv", "sequential", "block", "helper", "norm"),
    "seq": ("linear", "rnn", "conv1d", "norm"),
    "feat": ("linear", "norm", "F.linear"),
    "tokens": ("embedding",),
}


def _draw_op(g: Gen, kind: str, families: tuple[str, ...] | None = None) -> str:
    """Draw and commit one operation applicable to the current tensor; its family."""
    table = [entry for entry in OPS[kind] if families is None or entry[0] in families]
    for _ in range(40):
        family, fn, _ = g.rng.choices(table, weights=[w for _, _, w in table])[0]
        g.begin()
        before = g.perturbed
        if fn(g):
            g.commit()
            return family
        g.perturbed = before
    raise GeneratorBug(f"no operation applies to {kind} {g.shape}")


@contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread: on a busy machine, tiny convolutions cost 100x more on several."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def generate_program(seed: int) -> Program:
    """The program of ``seed`` (run under :func:`one_thread` for speed)."""
    rng = random.Random(seed)
    torch.manual_seed(seed)
    kind = rng.choices(["image", "seq", "feat", "tokens"], weights=[5, 3, 1.5, 1.5])[0]
    BATCH = rng.choice(BATCHES)
    if kind == "image":
        h = rng.randint(6, 20)
        shape: tuple[int, ...] = (BATCH, rng.choice([1, 3, 3, 4]), h, h if rng.random() < 0.6 else rng.randint(6, 20))
        free: tuple[int, ...] = (0, 2, 3)
    elif kind == "seq":
        shape, free = (BATCH, rng.randint(3, 9), rng.choice([4, 6, 8, 10, 16])), (0, 1)
    elif kind == "feat":
        shape, free = (BATCH, rng.choice([4, 6, 8, 10, 12, 16])), (0,)
    else:
        shape, free = (BATCH, rng.randint(3, 9)), (0, 1)
    vocab = 40
    x = torch.randint(0, vocab, shape) if kind == "tokens" else torch.randn(shape)
    g = Gen(rng, x)
    n_ops = rng.randint(2, 7)
    bad_at = rng.randrange(n_ops) if rng.random() < BAD_RATE else None
    families: list[str] = []
    for i in range(n_ops):
        g.perturb = bad_at is not None and i >= bad_at
        current = kind_of(g.x)
        if current is None:
            break
        families.append(_draw_op(g, current, _STARTS[current] if i == 0 else None))
    g.perturb = False
    source, bad_lines, call_line = g.render(shape, kind == "tokens", vocab)
    symbolic, _, _ = g.render()
    return Program(seed, source, symbolic, shape, kind == "tokens", vocab, free, families, g.perturbed, bad_lines, call_line)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["0"]:
        with one_thread():
            program = generate_program(int(arg))
        print(f"# seed {program.seed}: {program.perturbed or 'unperturbed'}; families {program.families}; bad lines {sorted(program.bad_lines)}")
        print(program.source)
