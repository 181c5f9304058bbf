"""Differential test: PyTorch is the oracle for whole chains of ``shapecheck.nn`` layers.

Every case of ``tests/_generate.py`` is built twice, as ``shapecheck.nn.Sequential(Input(*shape), *layers)``
and as ``torch.nn.Sequential(*layers)`` run on a tensor of that shape. They must agree on whether the
chain is valid and, when it is, on the output shape, the parameter count and the buffer count.
The symbolic variant puts symbols into the input of the valid chains and checks, for many bindings,
that the model's input conditions hold exactly when torch accepts the bound input and that the bound
output shape is torch's.

A failure names its seed: ``python -m tests._generate SEED`` prints the chain.

Torch runs on the meta device, except where its meta kernels are known to differ from the real ones
(measured on torch 2.13 by running the generated chains on both devices); those layers run on CPU
with a small tensor (batch 1), with mkldnn off because its batched path accepts size-0 outputs of
transposed convolutions that the reference path rejects:

* ``Conv*`` with a kernel size, stride or dilation below 1, or a negative padding, or on an input with an
  empty spatial dim: meta computes a shape;
* ``ConvTranspose*``: meta checks neither ``in_channels`` nor ``output_padding < max(stride, dilation)``,
  and lets some outputs of size 0 through;
* ``Softmax``, ``LogSoftmax``, ``Softmin``: meta accepts any ``dim`` (checked on a tensor of ones of the
  same rank);
* ``Upsample``/``UpsamplingBilinear2d`` in the linear modes: meta returns size-0 outputs; in the nearest
  modes meta rejects any empty input (CPU takes a batch of 0);
* ``AdaptiveAvgPool*`` on an input with an empty dim: meta accepts it; CPU rejects empty spatial dims
  unless every output size is 1;
* ``BatchNorm*(momentum=None)``: meta cannot call ``.item()`` on ``num_batches_tracked``; it runs as
  ``momentum=0.1``, which has the same shapes.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from functools import cache
from typing import Any

import pytest
import torch

import shapecheck as sc
from shapecheck import nn
from shapecheck.dims import evaluate
from shapecheck.trace import Tracer
from tests._generate import Case, LayerSpec, generate_case

CASES = 3200
CHUNKS = 32
PER_CHUNK = CASES // CHUNKS
SYMBOLIC_BINDINGS = 10  # random bindings per valid chain, besides the boundary ones
CPU_NUMEL_LIMIT = 1 << 21  # a bigger input of a CPU-checked layer runs on meta (only witnesses get this big)
SHOWN_FAILURES = 6


# Configurations where shapecheck is known to disagree with torch: (class-name pattern, predicate on the
# layer, what is wrong). Cases with a matching layer are left out of both comparisons;
# test_known_bugs_still_disagree keeps every entry honest (once a bug is fixed, its entry fails there
# and must be removed).
KNOWN_BUGS: list[tuple[str, Callable[[LayerSpec], bool], str]] = [
]


# -- running torch ---------------------------------------------------------------------------


def _conv_needs_cpu(spec: LayerSpec) -> bool:
    args = dict(zip(("in_channels", "out_channels", "kernel_size"), spec.args)) | spec.kwargs
    if spec.name.startswith("ConvTranspose"):
        return True

    def low(value: object, bound: int) -> bool:
        values = value if isinstance(value, (tuple, list)) else (value,)
        return any(isinstance(v, int) and v < bound for v in values)

    return (
        low(args.get("kernel_size", 1), 1)
        or low(args.get("stride", 1), 1)
        or low(args.get("dilation", 1), 1)
        or low(args.get("padding", 0), 0)
    )


def _where(spec: LayerSpec, shape: Sequence[int]) -> str:
    """``meta``, ``cpu`` (small batch), ``rank`` (CPU on ones of the same rank) or ``twin`` (meta, shape twin)."""
    name = spec.name
    if name.startswith(("Conv", "ConvTranspose")):
        empty = 0 in tuple(shape)[-int(name[-2]) :]  # meta accepts empty spatial dims, CPU does not
        return "cpu" if empty or _conv_needs_cpu(spec) else "meta"
    if name in ("Softmax", "LogSoftmax", "Softmin"):
        return "rank"
    if name == "UpsamplingBilinear2d" or name == "Upsample" and spec.kwargs.get("mode", "nearest") not in (
        "nearest",
        "nearest-exact",
    ):
        return "cpu"
    if name.startswith("Upsampl") and 0 in tuple(shape):  # meta's nearest kernels reject any empty dim
        return "cpu"
    if name.startswith("AdaptiveAvgPool") and 0 in tuple(shape):  # meta accepts empty dims, CPU does not
        return "cpu"
    if name.startswith("BatchNorm") and "momentum" in spec.kwargs and spec.kwargs["momentum"] is None:
        return "twin"
    return "meta"


@dataclass
class TorchOutcome:
    ok: bool
    shape: tuple[int, ...] | None = None
    params: int | None = None
    buffers: int | None = None
    error: str | None = None
    notes: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"valid: output {self.shape}, params {self.params}, buffers {self.buffers}{self.notes}"
        return f"invalid: {self.error}{self.notes}"


class TorchChain:
    """The chain as a ``torch.nn.Sequential`` on the meta device, runnable on several input shapes."""

    def __init__(self, layers: Sequence[LayerSpec]) -> None:
        self.layers = list(layers)
        self.error: str | None = None
        self.model: torch.nn.Sequential | None = None
        self._cpu: dict[int, torch.nn.Module] = {}
        self._twin: dict[int, torch.nn.Module] = {}
        modules = []
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i, spec in enumerate(self.layers):
                try:
                    modules.append(spec.build(torch.nn))
                except Exception as err:  # torch raises many kinds (ValueError, AssertionError, ...)
                    self.error = f"[{i}] {spec}: constructor raised {type(err).__name__}: {_first_line(err)}"
                    return
            self.model = torch.nn.Sequential(*modules)

    def counts(self) -> tuple[int, int]:
        assert self.model is not None
        return sum(p.numel() for p in self.model.parameters()), sum(b.numel() for b in self.model.buffers())

    def _module(self, i: int, where: str) -> torch.nn.Module:
        assert self.model is not None
        if where in ("cpu", "rank"):
            if i not in self._cpu:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._cpu[i] = self.layers[i].build(torch.nn)
            return self._cpu[i]
        if where == "twin":
            if i not in self._twin:
                spec = self.layers[i]
                with torch.device("meta"):
                    self._twin[i] = replace(spec, kwargs={**spec.kwargs, "momentum": 0.1}).build(torch.nn)
            return self._twin[i]
        return self.model[i]

    def run(self, shape: Sequence[int], integer: bool = False) -> TorchOutcome:
        if self.error is not None or self.model is None:
            return TorchOutcome(False, error=self.error)
        notes = ""
        x = torch.empty(tuple(shape), device="meta", dtype=torch.long if integer else torch.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i, spec in enumerate(self.layers):
                where = _where(spec, x.shape)
                try:
                    if where == "meta" or where == "twin":
                        y = self._module(i, where)(x)
                    else:
                        small = _small(spec, x.shape, where)
                        if math_prod(small) > CPU_NUMEL_LIMIT:
                            notes += f" (layer [{i}] ran on meta: input too big for CPU)"
                            y = self.model[i](x)
                        else:
                            with torch.backends.mkldnn.flags(enabled=False):
                                out = self._module(i, where)(torch.zeros(small, dtype=x.dtype))
                            y = torch.empty(_restore(x.shape, small, out.shape, where), device="meta", dtype=out.dtype)
                except Exception as err:
                    at = "" if where == "meta" else f" (run on {'CPU' if where != 'twin' else 'meta as momentum=0.1'})"
                    return TorchOutcome(
                        False, error=f"[{i}] {spec} on input {tuple(x.shape)}{at}: {type(err).__name__}: {_first_line(err)}", notes=notes
                    )
                if not isinstance(y, torch.Tensor):
                    return TorchOutcome(False, error=f"[{i}] {spec} returned a {type(y).__name__}, not a tensor", notes=notes)
                x = y
        params, buffers = self.counts()
        return TorchOutcome(True, tuple(x.shape), params, buffers, notes=notes)


def math_prod(shape: Sequence[int]) -> int:
    total = 1
    for d in shape:
        total *= d
    return total


def _batched(spec: LayerSpec, rank: int) -> bool:
    """Whether dim 0 of a rank-``rank`` input of this CPU-checked layer is a batch dim."""
    if spec.name.startswith("Conv"):
        return rank == int(spec.name[-2]) + 2
    return spec.name.startswith("Upsampl")


def _small(spec: LayerSpec, shape: torch.Size, where: str) -> tuple[int, ...]:
    """The CPU input: ones of the same rank for ``rank`` layers, else the input with batch 1."""
    if where == "rank":
        return (1,) * len(shape)
    dims = tuple(shape)
    return (min(1, dims[0]), *dims[1:]) if dims and _batched(spec, len(dims)) else dims


def _restore(shape: torch.Size, small: tuple[int, ...], out: torch.Size, where: str) -> tuple[int, ...]:
    """The output shape for the real input: softmax keeps the shape, batch-1 runs get their batch back."""
    if where == "rank":
        return tuple(shape)
    dims = tuple(out)
    return (shape[0], *dims[1:]) if small != tuple(shape) else dims


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return " ".join(text[0].split()) if text else "(no message)"


# -- running shapecheck ----------------------------------------------------------------------


@dataclass
class ShapecheckOutcome:
    ok: bool
    model: nn.Sequential | None = None
    shape: tuple[Any, ...] | None = None
    params: int | None = None
    buffers: int | None = None
    error: BaseException | None = None
    layer_params: int | None = None  # sum over the layers, when they all built (even if the chain did not)
    layer_buffers: int | None = None

    @property
    def crashed(self) -> bool:
        return self.error is not None and not isinstance(self.error, (TypeError, ValueError))

    def __str__(self) -> str:
        if self.ok:
            return f"valid: output {self.shape}, params {self.params}, buffers {self.buffers}"
        assert self.error is not None
        kind = "CRASHED with" if self.crashed else "invalid:"
        return f"{kind} {type(self.error).__name__}: {self.error}".replace("\n", "\n      ")


def run_shapecheck(layers: Sequence[LayerSpec], shape: Sequence[object]) -> ShapecheckOutcome:
    try:
        built = [spec.build(nn) for spec in layers]
    except Exception as err:
        return ShapecheckOutcome(False, error=err)
    layer_params = sum(m.parameter_count() for m in built)
    layer_buffers = sum(m.buffer_count() for m in built)
    try:
        model = nn.Sequential(nn.Input(*shape), *built)
    except Exception as err:
        return ShapecheckOutcome(False, error=err, layer_params=layer_params, layer_buffers=layer_buffers)
    return ShapecheckOutcome(
        True,
        model,
        tuple(model.output_shape),
        sc.count_params(model),
        sc.count_buffers(model),
        layer_params=layer_params,
        layer_buffers=layer_buffers,
    )


# -- comparing -------------------------------------------------------------------------------


@cache
def _case(seed: int) -> Case:
    return generate_case(seed)


@cache
def _outcomes(seed: int) -> tuple[ShapecheckOutcome, TorchChain, TorchOutcome]:
    case = _case(seed)
    chain = TorchChain(case.layers)
    return run_shapecheck(case.layers, case.shape), chain, chain.run(case.shape, case.integer)


def _report(case: Case, problem: str, shape: Sequence[object], ours: object, theirs: object, extra: str = "") -> str:
    perturbed = f" (perturbed: {case.perturbed})" if case.perturbed else ""
    return (
        f"seed {case.seed}{perturbed}: {problem}\n"
        f"  input shape: {tuple(shape)}{' (integer tensor)' if case.integer else ''}\n"
        f"  chain: {case.code(shape)}\n".replace("\n    ", "\n      ").replace("\n)", "\n    )")
        + f"  shapecheck: {ours}\n"
        f"  torch:      {theirs}\n"
        f"{extra}"
        f"  reproduce: python -m tests._generate {case.seed}"
    )


def compare(seed: int) -> str | None:
    """None when shapecheck and torch agree on the case of ``seed``, else a full description."""
    case = _case(seed)
    ours, chain, theirs = _outcomes(seed)
    if ours.crashed:
        return _report(case, "shapecheck crashed (only TypeError/ValueError may reject a chain)", case.shape, ours, theirs)
    if ours.ok != theirs.ok:
        what = "shapecheck accepts a chain torch rejects" if ours.ok else "shapecheck rejects a chain torch accepts"
        return _report(case, what, case.shape, ours, theirs)
    problems = []
    if ours.ok and ours.shape != theirs.shape:
        problems.append("output shapes differ")
    if chain.model is not None and ours.layer_params is not None:
        params, buffers = chain.counts()
        if ours.layer_params != params or (ours.ok and ours.params != params):
            problems.append(f"parameter counts differ (shapecheck {ours.layer_params}, torch {params})")
        if ours.layer_buffers != buffers or (ours.ok and ours.buffers != buffers):
            problems.append(f"buffer counts differ (shapecheck {ours.layer_buffers}, torch {buffers})")
    if problems:
        return _report(case, "; ".join(problems), case.shape, ours, theirs)
    return None


def _known_bug(case: Case) -> str | None:
    for name, matches, reason in KNOWN_BUGS:
        if any(fnmatch(spec.name, name) and matches(spec) for spec in case.layers):
            return reason
    return None


def _chunk_seeds(chunk: int) -> range:
    return range(chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK)


def _fail(failures: list[str], total: int, what: str) -> None:
    if failures:
        shown = "\n\n".join(failures[:SHOWN_FAILURES])
        more = f"\n\n... and {len(failures) - SHOWN_FAILURES} more" if len(failures) > SHOWN_FAILURES else ""
        pytest.fail(f"{len(failures)} of {total} {what} disagree with torch:\n\n{shown}{more}", pytrace=False)


@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda c: f"seeds{c * PER_CHUNK}-{(c + 1) * PER_CHUNK - 1}")
def test_chains_agree_with_torch(chunk: int) -> None:
    failures = []
    for seed in _chunk_seeds(chunk):
        if _known_bug(_case(seed)) is not None:
            continue
        message = compare(seed)
        if message is not None:
            failures.append(message)
    _fail(failures, PER_CHUNK, "chains")


def test_layer_reprs_match_torch() -> None:
    """Every layer both libraries build prints as torch prints it (summaries and errors quote these)."""
    seen: dict[str, str] = {}
    for seed in range(CASES):
        chain = _outcomes(seed)[1]
        if chain.model is None:
            continue
        for spec, theirs in zip(chain.layers, chain.model):
            key = str(spec)
            if key not in seen:
                try:
                    ours = repr(spec.build(nn))
                except (TypeError, ValueError):  # arguments torch only rejects when called
                    ours = repr(theirs)
                seen[key] = "" if ours == repr(theirs) else f"{key}: shapecheck {ours}, torch {theirs!r}"
    differ = [text for text in seen.values() if text]
    assert not differ, "\n".join(differ[:20])


# -- the symbolic variant --------------------------------------------------------------------

_NAMES = ("B", "C", "D", "H", "W", "L")


def _symbolize(case: Case, rng: random.Random) -> tuple[list[object], dict[str, int]]:
    """The input shape with some dims replaced by symbols, and the binding that gives the original back.

    A dim that alone makes the chain fail when symbolic (channels, features) is chosen rarely, so that
    most symbolic chains are valid and their conditions get checked; the rest check the witnesses.
    """

    def name(i: int) -> str:
        return _NAMES[i] if i < len(_NAMES) else f"S{i}"

    free = [run_shapecheck(case.layers, [name(j) if j == i else d for j, d in enumerate(case.shape)]).ok for i in range(len(case.shape))]
    positions = [i for i in range(len(case.shape)) if rng.random() < (0.6 if free[i] else 0.08)]
    positions = positions or [rng.randrange(len(case.shape))]
    dims: list[object] = list(case.shape)
    original: dict[str, int] = {}
    for i in positions:
        symbol = name(i)
        shared = [n for n, v in original.items() if v == dims[i]]
        if shared and rng.random() < 0.5:
            symbol = shared[0]  # one symbol for two dims of the same size: Input("B", 3, "S", "S")
        dims[i] = symbol
        original[symbol] = case.shape[i]
    return dims, original


def _bindings(rng: random.Random, original: Mapping[str, int], lower: Mapping[str, int]) -> list[dict[str, int]]:
    """The original values, the least allowed ones, just below them, and random ones around them."""
    names = sorted(original)
    out = [dict(original), {n: lower.get(n, 1) for n in names}]
    if any(lower.get(n, 1) > 1 for n in names):
        out.append({n: max(1, lower.get(n, 1) - 1) for n in names})
    for _ in range(SYMBOLIC_BINDINGS):
        binding = {}
        for n in names:
            low, value = lower.get(n, 1), original[n]
            options = [1, 2, 3, value, value + 1, 2 * value, low, low + 1, max(1, low - 1), rng.randint(1, 64)]
            binding[n] = rng.choice(options)
        out.append(binding)
    return out


def _holds(text: str, binding: Mapping[str, int]) -> bool:
    return bool(eval(text, {"__builtins__": {}}, dict(binding)))  # noqa: S307 - our own condition strings


def compare_symbolic(seed: int) -> list[str]:
    """Disagreements of the symbolic variant of the case of ``seed`` (none if the concrete case is invalid)."""
    case = _case(seed)
    ours, chain, theirs = _outcomes(seed)
    if not (ours.ok and theirs.ok):
        return []
    rng = random.Random(seed * 7919 + 1)
    dims, original = _symbolize(case, rng)
    sym = run_shapecheck(case.layers, dims)
    if sym.crashed:
        return [_report(case, "shapecheck crashed on a symbolic input", dims, sym, theirs)]
    if not sym.ok:
        assert isinstance(sym.error, sc.ShapeError), sym.error
        witness = sym.error.witness
        if witness is None:
            return [_report(case, "shapecheck rejects the symbolic chain for every value, yet torch accepts the original", dims, sym, theirs, f"  original binding: {original}\n")]
        binding = {**original, **witness}
        concrete = [binding[d] if isinstance(d, str) else d for d in dims]
        at_witness = chain.run(concrete, case.integer)
        if at_witness.ok:
            return [_report(case, f"torch accepts the witness {binding} of shapecheck's symbolic error", dims, sym, at_witness)]
        return []
    assert sym.model is not None
    model = sym.model
    tracer = Tracer(root=model)
    model.trace(model.input_shape, tracer, "")
    conditions = tracer.check.conditions()
    texts = list(model.conditions)
    failures = []
    for binding in _bindings(rng, original, tracer.check.lower):
        concrete = [binding[d] if isinstance(d, str) else d for d in dims]
        holds = all(evaluate(e, binding) >= bound for e, bound in conditions)
        if holds != all(_holds(t, binding) for t in texts):
            failures.append(_report(case, f"model.conditions {texts} disagree with the checker's {conditions} at {binding}", dims, sym, "-"))
            break
        result = chain.run(concrete, case.integer)
        extra = f"  conditions: {texts}\n  binding: {binding}\n"
        if holds != result.ok:
            problem = "the conditions hold but torch rejects the input" if holds else "torch accepts an input that violates the conditions"
            failures.append(_report(case, problem, dims, sym, result, extra))
            break
        if holds:
            bound = model.output_shape.bind(binding)
            if tuple(bound) != result.shape:
                failures.append(_report(case, f"bound output {tuple(bound)} differs from torch's", dims, sym, result, extra))
                break
    return failures


@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda c: f"seeds{c * PER_CHUNK}-{(c + 1) * PER_CHUNK - 1}")
def test_symbolic_conditions_agree_with_torch(chunk: int) -> None:
    failures: list[str] = []
    for seed in _chunk_seeds(chunk):
        if _known_bug(_case(seed)) is None:
            failures += compare_symbolic(seed)
    _fail(failures, PER_CHUNK, "symbolic chains")


# -- the harness itself ----------------------------------------------------------------------


def test_generator_is_reproducible_and_mixed() -> None:
    assert str(generate_case(12345).layers) == str(generate_case(12345).layers)
    outcomes = [_outcomes(seed)[2].ok for seed in range(PER_CHUNK * 4)]
    invalid = outcomes.count(False) / len(outcomes)
    assert 0.2 <= invalid <= 0.5, f"{invalid:.0%} of the chains are invalid; aim for 30-40%"


def test_oracle_sees_what_meta_misses() -> None:
    """The CPU fallbacks are needed: each of these passes on the meta device and fails for real."""
    cases = [
        ([LayerSpec("Conv1d", (2, 4, 0))], (1, 2, 8)),
        ([LayerSpec("ConvTranspose1d", (3, 4, 2))], (1, 2, 8)),
        ([LayerSpec("ConvTranspose2d", (2, 2, 2), {"stride": 2, "output_padding": 2})], (1, 2, 4, 4)),
        ([LayerSpec("ConvTranspose1d", (2, 4, 2), {"stride": 2, "padding": 1})], (7, 2, 1)),
        ([LayerSpec("Softmax", (2,))], (3, 4)),
        ([LayerSpec("Upsample", (), {"scale_factor": 0.5, "mode": "linear"})], (1, 2, 1)),
    ]
    for layers, shape in cases:
        assert not TorchChain(layers).run(shape).ok, layers
    assert TorchChain([LayerSpec("BatchNorm1d", (3,), {"momentum": None})]).run((2, 3)).shape == (2, 3)


def test_known_bugs_still_disagree() -> None:
    """Every KNOWN_BUGS entry must still match a disagreeing case among the seeds: remove it once fixed."""
    for name, matches, reason in KNOWN_BUGS:
        seeds = [s for s in range(CASES) if any(fnmatch(l.name, name) and matches(l) for l in _case(s).layers)]
        assert seeds, f"no case matches the known bug {name}: {reason}"
        assert any(compare(s) is not None or compare_symbolic(s) for s in seeds), (
            f"known bug {name} ({reason}) no longer disagrees: remove it"
        )
