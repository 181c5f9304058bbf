"""Combinators (``Add``, ``Mul``, ``Concat``) and tensor ops against torch, and what their errors say.

Random graphs (residual blocks, squeeze-excitation gates, concatenations, broadcasts of reductions,
chains of reshapes and selections) are built twice: with ``shapecheck.nn`` and as an equivalent small
torch module run on the meta device. Both must agree on validity, output shape, parameters, buffers
and MACs. A graph built on a symbolic input must, once bound, give torch's shape; when it is rejected,
the counterexample it names must be one torch rejects too.
"""

from __future__ import annotations

import inspect
import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Union

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import shapecheck as sc
from shapecheck import nn
from shapecheck.dims import evaluate
from tests._generate import LayerSpec

pytestmark = pytest.mark.filterwarnings("ignore:Failed to initialize NumPy")

CASES = 400


# -- a graph, buildable with either library ---------------------------------------------------


@dataclass
class Op:
    """A tensor method as a layer: ``Op("Reshape", (2, -1))`` is ``nn.Reshape(2, -1)`` / ``x.reshape(2, -1)``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


@dataclass
class Graph:
    """``seq`` (Sequential), ``add``, ``mul`` or ``cat`` (Concat along ``dim``) over ``children``."""

    kind: str
    children: list[Node]
    dim: int = 1

    def __str__(self) -> str:
        names = {"seq": "Sequential", "add": "Add", "mul": "Mul", "cat": "Concat"}
        inner = ", ".join(str(c) for c in self.children)
        return f"{names[self.kind]}({inner}{f', dim={self.dim}' if self.kind == 'cat' else ''})"


Node = Union[LayerSpec, Op, Graph]


def build_sc(node: Node) -> nn.Module:
    if isinstance(node, LayerSpec):
        return node.build(nn)  # type: ignore[no-any-return]
    if isinstance(node, Op):
        return getattr(nn, node.name)(*node.args, **node.kwargs)  # type: ignore[no-any-return]
    kids = [build_sc(c) for c in node.children]
    if node.kind == "seq":
        return nn.Sequential(*kids)
    if node.kind == "cat":
        return nn.Concat(*kids, dim=node.dim)
    return nn.Add(*kids) if node.kind == "add" else nn.Mul(*kids)


class TorchOp(torch.nn.Module):
    def __init__(self, op: Op) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        name, args, kwargs = self.op.name, self.op.args, dict(self.op.kwargs)
        if name in ("Chunk", "Split"):
            index = kwargs.pop("index")
            pieces = x.chunk(*args, **kwargs) if name == "Chunk" else x.split(*args, **kwargs)
            return pieces[index]
        if name == "Permute":
            return x.permute(args)
        if name == "Mean":
            return x.mean(*(args or (None,)), **kwargs)
        method = {"Reshape": "reshape", "View": "view", "Transpose": "transpose", "Select": "select"}[name]
        return getattr(x, method)(*args, **kwargs)  # type: ignore[no-any-return]


class TorchMerge(torch.nn.Module):
    def __init__(self, kind: str, branches: list[torch.nn.Module], dim: int) -> None:
        super().__init__()
        self.kind = kind
        self.branches = torch.nn.ModuleList(branches)
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [b(x) for b in self.branches]
        if self.kind == "cat":
            return torch.cat(outs, self.dim)
        y = outs[0]
        for o in outs[1:]:
            y = y + o if self.kind == "add" else y * o
        return y


def build_torch(node: Node) -> torch.nn.Module:
    if isinstance(node, LayerSpec):
        return node.build(torch.nn)  # type: ignore[no-any-return]
    if isinstance(node, Op):
        return TorchOp(node)
    kids = [build_torch(c) for c in node.children]
    return torch.nn.Sequential(*kids) if node.kind == "seq" else TorchMerge(node.kind, kids, node.dim)


# -- random graphs --------------------------------------------------------------------------


def L(name: str, *args: Any, **kwargs: Any) -> LayerSpec:
    return LayerSpec(name, args, kwargs)


def seq(*children: Node) -> Graph:
    return Graph("seq", list(children))


def residual(rng: random.Random, cin: int, bad: bool) -> tuple[Node, int]:
    """ResNet's basic block with random widths, kernel and stride; ``bad`` breaks the shortcut or the main path."""
    cout, stride, k = rng.randint(1, 12), rng.choice([1, 1, 2, 3]), rng.choice([1, 3, 5])
    pad = k // 2
    mid_in = cout
    fault = rng.choice(["identity", "stride", "padding", "channels"]) if bad else None
    if fault == "padding":
        pad = rng.choice([0, pad + 1])
    if fault == "channels":
        mid_in = cout + rng.choice([-1, 1]) if cout > 1 else 2
    main = seq(
        L("Conv2d", cin, cout, k, stride, pad, bias=False),
        L("BatchNorm2d", cout),
        L("ReLU", inplace=True),
        L("Conv2d", mid_in, cout, 3, 1, 1, bias=False),
        L("BatchNorm2d", cout),
    )
    short_stride = stride + 1 if fault == "stride" else stride
    if fault == "identity" or (stride == 1 and cin == cout and fault != "stride"):
        shortcut: Node = L("Identity")
    else:
        shortcut = seq(L("Conv2d", cin, cout, 1, short_stride, bias=False), L("BatchNorm2d", cout))
    return seq(Graph("add", [main, shortcut]), L("ReLU", inplace=True)), cout


def draw_residual(rng: random.Random) -> tuple[Node, tuple[int, ...]]:
    cin = rng.randint(1, 8)
    blocks = []
    c = cin
    for _ in range(rng.choice([1, 1, 2])):
        block, c = residual(rng, c, rng.random() < 0.3)
        blocks.append(block)
    return seq(*blocks), (rng.randint(1, 3), cin, rng.randint(1, 20), rng.randint(1, 20))


def draw_gate(rng: random.Random) -> tuple[Node, tuple[int, ...]]:
    """Squeeze-excitation: ``x * sigmoid(conv(relu(conv(pool(x)))))``; the gate may have 1 or a wrong channel count."""
    c, r = rng.randint(1, 12), rng.randint(1, 6)
    back = rng.choice([c, c, 1, c + 1])
    size = rng.choice([1, 1, (1, rng.randint(1, 3)), 2])
    gate = seq(L("AdaptiveAvgPool2d", size), L("Conv2d", c, r, 1), L("ReLU"), L("Conv2d", r, back, 1), L("Sigmoid"))
    branches: list[Node] = [L("Identity"), gate]
    rng.shuffle(branches)
    return Graph("mul", branches), (rng.randint(1, 3), c, rng.randint(1, 9), rng.randint(1, 9))


def draw_concat(rng: random.Random) -> tuple[Node, tuple[int, ...]]:
    """Inception-like branches: convs and pools with mostly the same stride, along a random dim."""
    cin = rng.randint(1, 8)
    stride = rng.choice([1, 2])
    branches: list[Node] = []
    for _ in range(rng.randint(1, 3)):
        s = stride if rng.random() < 0.85 else stride + 1
        kind = rng.choice(["conv", "conv", "pool", "identity"])
        if kind == "identity" and s == 1:
            branches.append(L("Identity"))
        elif kind == "pool":
            branches.append(L("MaxPool2d", 3, s, 1))
        else:
            k = rng.choice([1, 3, 5])
            pad = k // 2 if rng.random() < 0.9 else 0
            branches.append(seq(L("Conv2d", cin, rng.randint(1, 8), k, s, pad), L("ReLU")))
    dim = rng.choice([1, 1, -3, 0, 2, 3, -1, 4])
    return Graph("cat", branches, dim), (rng.randint(1, 3), cin, rng.randint(1, 12), rng.randint(1, 12))


def random_shape(rng: random.Random, rank: int, zero: bool = False) -> tuple[int, ...]:
    return tuple(rng.choice([0] if zero and rng.random() < 0.1 else [1, 2, 3, 4, 6]) for _ in range(rank))


def draw_op(rng: random.Random, shape: tuple[int, ...], first: bool) -> Op:
    rank = len(shape)
    if not rank:
        dim = rng.choice([0, -1, 1])
    else:
        dim = rng.randint(-rank, rank - 1) if rng.random() < 0.85 else rng.choice([-rank - 1, rank])
    kind = rng.choice(["Reshape", "Permute", "Transpose", "Select", "Mean", "Chunk", "Split"] + (["View"] if first else []))
    if kind in ("Reshape", "View"):
        numel = 1
        for d in shape:
            numel *= d
        factors = []
        rest = numel
        for f in (2, 3, 2, 5):
            if rest and rest % f == 0 and rng.random() < 0.6:
                factors.append(f)
                rest //= f
        factors.append(rest)
        if rng.random() < 0.15:
            factors[-1] += 1  # wrong element count
        rng.shuffle(factors)
        if rng.random() < 0.6:
            factors[rng.randrange(len(factors))] = -1
        return Op(kind, tuple(factors))
    if kind == "Permute":
        order = list(range(rank))
        rng.shuffle(order)
        if rng.random() < 0.3:
            order = [o - rank for o in order]
        if rng.random() < 0.1:
            order = order[:-1] or [0, 0]
        return Op(kind, tuple(order))
    if kind == "Transpose":
        return Op(kind, (dim, rng.randint(-rank, max(rank - 1, 0))))
    if kind == "Select":
        size = shape[dim] if -rank <= dim < rank else 1
        return Op(kind, (dim, rng.randint(-size - 1, size)))
    if kind == "Mean":
        if rng.random() < 0.2:
            return Op(kind, (), {"keepdim": rng.random() < 0.5})
        dims: int | tuple[int, ...] = dim if rng.random() < 0.4 else tuple(rng.sample(range(-rank, rank), rng.randint(0, rank))) if rank else ()
        if isinstance(dims, tuple) and dims and rng.random() < 0.1:
            dims = (*dims, dims[0])  # a dim twice
        return Op(kind, (dims,), {"keepdim": rng.random() < 0.5})
    if kind == "Chunk":
        chunks = rng.randint(1, 4)
        return Op(kind, (chunks, dim), {"index": rng.randrange(chunks)})
    if rng.random() < 0.5:
        size = shape[dim] if -rank <= dim < rank else 1
        cut = rng.randint(0, size)
        sections = [cut, size - cut] if rng.random() < 0.9 else [cut, size - cut + 1]
        return Op(kind, (sections, dim), {"index": rng.randrange(2)})
    return Op(kind, (rng.randint(1, 4), dim), {"index": rng.randint(0, 3)})


def torch_shape(node: Node, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(build_torch(node)(torch.empty(shape)).shape)
    except Exception:
        return None


def draw_ops(rng: random.Random) -> tuple[Node, tuple[int, ...]]:
    """A chain of reshapes, permutes, selections, means and pieces, each drawn for the shape before it."""
    shape = random_shape(rng, rng.randint(1, 4), zero=True)
    current: tuple[int, ...] | None = shape
    ops: list[Node] = []
    for i in range(rng.randint(1, 4)):
        op = draw_op(rng, current if current is not None else shape, i == 0)
        ops.append(op)
        current = torch_shape(op, current) if current is not None else None
    return seq(*ops), shape


def draw_broadcast(rng: random.Random) -> tuple[Node, tuple[int, ...]]:
    """``Add``/``Mul`` of an input with reductions, selections and transposes of it: broadcasting of mixed ranks."""
    shape = random_shape(rng, rng.randint(1, 4))
    rank = len(shape)
    branches: list[Node] = [L("Identity")]
    for _ in range(rng.randint(1, 2)):
        pick = rng.choice(["mean", "mean", "select", "transpose", "chain"])
        if pick == "mean":
            dims = tuple(rng.sample(range(rank), rng.randint(1, rank)))
            branches.append(Op("Mean", (dims,), {"keepdim": rng.random() < 0.5}))
        elif pick == "select":
            branches.append(Op("Select", (rng.randrange(rank), 0)))
        elif pick == "transpose":
            branches.append(Op("Transpose", (rng.randrange(rank), rng.randrange(rank))))
        else:
            branches.append(seq(Op("Mean", (rng.randrange(rank),), {"keepdim": True}), L("Sigmoid")))
    rng.shuffle(branches)
    return Graph(rng.choice(["add", "mul"]), branches), shape


DRAWS: list[Callable[[random.Random], tuple[Node, tuple[int, ...]]]] = [
    draw_residual,
    draw_residual,
    draw_gate,
    draw_concat,
    draw_ops,
    draw_broadcast,
]


def case(seed: int) -> tuple[Node, tuple[int, ...]]:
    rng = random.Random(seed)
    return rng.choice(DRAWS)(rng)


# -- comparing ------------------------------------------------------------------------------


def run_torch(node: Node, shape: tuple[int, ...]) -> tuple[tuple[int, ...] | None, int, int, int | None, str]:
    """Output shape (None when torch rejects), params, buffers, MACs, the error."""
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_torch(node)
        params = sum(p.numel() for p in model.parameters())
        buffers = sum(b.numel() for b in model.buffers())
        try:
            with FlopCounterMode(display=False) as counter:
                out = model(torch.empty(shape))
        except Exception as err:
            return None, params, buffers, None, f"{type(err).__name__}: {err}"
    return tuple(out.shape), params, buffers, counter.get_total_flops() // 2, ""


def run_sc(node: Node, shape: tuple[object, ...]) -> nn.Sequential | sc.ShapeError:
    try:
        return nn.Sequential(nn.Input(*shape), build_sc(node))
    except sc.ShapeError as err:
        return err


@pytest.mark.parametrize("chunk", range(8))
def test_graphs_agree_with_torch(chunk: int) -> None:
    failures = []
    valid = 0
    for seed in range(chunk * CASES // 8, (chunk + 1) * CASES // 8):
        node, shape = case(seed)
        out, params, buffers, macs, error = run_torch(node, shape)
        ours = run_sc(node, shape)
        what = f"seed {seed}: {node} on {shape}"
        if isinstance(ours, sc.ShapeError):
            if out is not None:
                failures.append(f"{what}: shapecheck rejects, torch gives {out}\n{ours}")
            continue
        if out is None:
            failures.append(f"{what}: shapecheck gives {ours.output_shape}, torch rejects: {error}")
            continue
        valid += 1
        got = (tuple(ours.output_shape), sc.count_params(ours), sc.count_buffers(ours), sc.count_macs(ours))
        if got != (out, params, buffers, macs):
            failures.append(f"{what}: shapecheck {got}, torch {(out, params, buffers, macs)}")
    assert not failures, "\n\n".join(failures[:5])
    assert 0.3 * CASES / 8 < valid < 0.95 * CASES / 8  # both outcomes are exercised


OP_CASES = 2400


@pytest.mark.parametrize("chunk", range(4))
def test_tensor_ops_agree_with_torch(chunk: int) -> None:
    """Chains of tensor ops alone, many more of them than the mixed draw gives."""
    failures = []
    valid = 0
    for seed in range(chunk * OP_CASES // 4, (chunk + 1) * OP_CASES // 4):
        node, shape = draw_ops(random.Random(seed))
        out = run_torch(node, shape)[0]
        ours = run_sc(node, shape)
        if isinstance(ours, sc.ShapeError) or out is None:
            if not isinstance(ours, sc.ShapeError) or out is not None:
                failures.append(f"seed {seed}: {node} on {shape}: shapecheck {ours}, torch {out}")
            continue
        valid += 1
        if tuple(ours.output_shape) != out:
            failures.append(f"seed {seed}: {node} on {shape}: shapecheck {ours.output_shape}, torch {out}")
    assert not failures, "\n\n".join(failures[:5])
    assert 0.3 * OP_CASES / 4 < valid < 0.95 * OP_CASES / 4


SYMBOLIC = {draw_residual: ("B", None, "H", "W"), draw_gate: ("B", None, "H", "W"), draw_concat: ("B", None, "H", "W")}


@pytest.mark.parametrize("chunk", range(4))
def test_symbolic_graphs_bind_to_torch(chunk: int) -> None:
    """On ``(B, C, H, W)`` a graph either builds, and bound it is torch's shape, or names a counterexample torch rejects."""
    failures = []
    rejected = 0
    for seed in range(chunk * CASES // 4, (chunk + 1) * CASES // 4):
        rng = random.Random(seed)
        draw = rng.choice(DRAWS)
        if draw not in SYMBOLIC:
            continue
        node, shape = draw(rng)
        symbolic = tuple(shape[i] if d is None else d for i, d in enumerate(SYMBOLIC[draw]))
        ours = run_sc(node, symbolic)
        if isinstance(ours, sc.ShapeError):
            if ours.witness is None:
                continue  # a concrete mismatch (channels): the concrete test covers it
            rejected += 1
            values = {"B": 1, "H": 1, "W": 1, **ours.witness}
            bound = tuple(evaluate(sc.dims.as_dim(d), values) if isinstance(d, str) else d for d in symbolic)
            if run_torch(node, bound)[0] is not None:
                failures.append(f"seed {seed}: {node}: counterexample {values} is accepted by torch\n{ours}")
            continue
        for values in ({"B": shape[0], "H": shape[2], "W": shape[3]}, {"B": 2, "H": 17, "W": 9}):
            out = run_torch(node, (values["B"], shape[1], values["H"], values["W"]))[0]
            if out is not None and tuple(ours.output_shape.bind(values)) != out:
                failures.append(f"seed {seed}: {node} at {values}: {ours.output_shape.bind(values)} vs torch {out}")
    assert not failures, "\n\n".join(failures[:5])
    assert rejected > 0


# -- errors --------------------------------------------------------------------------------


def test_branch_disagreement_names_each_branch_and_shape() -> None:
    line = inspect.currentframe().f_lineno + 5  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(
            nn.Input("B", 64, 56, 56),
            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU()),
            nn.Add(nn.Sequential(nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128)), nn.Identity()),
        )
    err = info.value
    assert err.path == "1" and err.position == 5
    assert err.location is not None and err.location.endswith(f"test_graph.py:{line}")
    text = str(err)
    assert text.startswith("[5] Add(2 branches) (path 1)")
    assert "branch 0 (1.0) gives (B, 128, 28, 28)" in text
    assert "branch 1 (1.1) gives (B, 64, 56, 56)" in text
    assert "do not broadcast at dim 1: branch 0 has 128, branch 1 has 64" in text


def test_concat_disagreement_and_symbolic_counterexample() -> None:
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input("B", 8, "H", "W"), nn.Concat(nn.Conv2d(8, 4, 3, padding=1), nn.Conv2d(8, 4, 3, stride=2, padding=1)))
    err = info.value
    assert "Concat: sizes must match except in dim 1, but at dim 2 branch 0 has H, branch 1 has (H + 1)//2" in str(err)
    assert "branch 0 (0.0) gives (B, 4, H, W); branch 1 (0.1) gives (B, 4, (H + 1)//2, (W + 1)//2)" in str(err)
    assert err.witness is not None and err.witness["H"] != (err.witness["H"] + 1) // 2


def test_broadcast_counterexample_is_not_a_broadcastable_one() -> None:
    """``(H + 1)//2`` vs ``H`` differ first at H=2, where torch broadcasts the 1; the example must not be that."""
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(2, 8, "H", 5), nn.Add(nn.MaxPool2d(3, (2, 1), 1), nn.Identity()))
    witness = info.value.witness
    assert witness is not None
    h = witness["H"]
    assert (h + 1) // 2 >= 2 and h != (h + 1) // 2
    with torch.device("meta"), pytest.raises(RuntimeError):
        TorchMerge("add", [torch.nn.MaxPool2d(3, (2, 1), 1), torch.nn.Identity()], 1)(torch.empty(2, 8, h, 5))


def test_error_inside_a_branch_points_at_that_layer() -> None:
    line = inspect.currentframe().f_lineno + 4  # type: ignore[union-attr]
    with pytest.raises(sc.ShapeError) as info:
        main = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(8, 32, 3, padding=1),
        )
        nn.Sequential(nn.Input("B", 16, "H", "W"), nn.ReLU(), nn.Add(main, nn.Identity()))
    err = info.value
    assert err.path == "1.0.1" and err.position == 2
    assert err.location is not None and err.location.endswith(f"test_graph.py:{line}")
    assert "Conv2d expects 8 input channels, got 16" in str(err)


def test_nested_paths_parameters_and_summary_rows() -> None:
    block = nn.Sequential(
        {"residual": nn.Add(nn.Sequential({"conv": nn.Conv2d(8, 8, 3, padding=1, bias=False)}), nn.Identity()), "relu": nn.ReLU()}
    )
    model = nn.Sequential({"input": nn.Input(1, 8, 10, 10), "stage": nn.Sequential(block, block)})
    rows = sc.summary(model).rows
    assert [r.path for r in rows] == [
        "stage.0.residual.0.conv", "stage.0.residual.1", "stage.0.residual", "stage.0.relu",
        "stage.1.residual.0.conv", "stage.1.residual.1", "stage.1.residual", "stage.1.relu",
    ]  # fmt: skip
    assert sum(r.params for r in rows) == sc.count_params(model) == 8 * 8 * 9  # one block used twice: one set of weights, as torch counts
    assert sc.count_macs(model) == 2 * 8 * 8 * 9 * 100


def test_constructor_errors() -> None:
    with pytest.raises(TypeError, match="Add needs at least 2 branches"):
        nn.Add(nn.Identity())
    with pytest.raises(TypeError, match=r"Concat: branch 1 is a torch module \(Identity\); use the same class from shapecheck.nn"):
        nn.Concat(nn.Identity(), torch.nn.Identity())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Concat: branch 1 must be a shapecheck.nn layer, got int 3"):
        nn.Concat(nn.Identity(), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only one dimension can be inferred"):
        nn.Reshape(-1, 2, -1)
    with pytest.raises(ValueError, match="invalid shape dimension -2"):
        nn.Reshape(-2, 12)
    with pytest.raises(ValueError, match="index must be below"):
        nn.Chunk(2, 1, index=2)


def test_reshape_symbolic() -> None:
    model = nn.Sequential(nn.Input("B", 512, "H", "W"), nn.Reshape("B", -1))
    assert str(model.output_shape) == "(B, 512*H*W)"
    model = nn.Sequential(nn.Input("B", 6, "H", "W"), nn.Reshape("B", 3, -1), nn.Transpose(1, 2), nn.Select(2, 0))
    assert str(model.output_shape) == "(B, 2*H*W)"
    with pytest.raises(sc.ShapeError, match="invalid for input") as info:
        nn.Sequential(nn.Input("B", 3, "H"), nn.Reshape("B", 2, -1))
    assert info.value.witness is not None and 3 * info.value.witness["H"] % 2 == 1


def test_derivation_follows_the_data_path_not_the_sibling_branch() -> None:
    left = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU())
    right = nn.Sequential(nn.Conv2d(4, 8, 1, stride=2), nn.Conv2d(8, 8, 5))
    with pytest.raises(sc.ShapeError) as info:
        nn.Sequential(nn.Input(1, 4, 8, 8), nn.Add(left, right))
    err = info.value
    assert err.path == "0.1.1"
    trail = "\n".join(err.derivation)
    assert "[2] Conv2d -> (1, 8, 4, 4)" in trail
    assert "ReLU" not in trail, trail  # branch 0 ran before, but did not feed this layer
    assert trail.startswith("4 = (8 + 2*0 - 1*(1 - 1) - 1)//2 + 1 by [2] Conv2d")


def test_the_base_of_multi_output_layers_is_not_a_layer() -> None:
    """``nn.TupleModule()`` is exported for type annotations; built, it says what to use instead of failing later."""
    with pytest.raises(TypeError, match="use one of those"):
        nn.TupleModule()
