"""Sizes the checks leave finitely many values (pins), inputs of an open rank, and slice assignment,
in the forward interpreter; torch is the oracle of every claim.

* a broadcast that runs only where one side is 1 (``x + conv(x)`` with an unpadded 3x3 conv: ``H``
  against ``H - 2``) pins the size; if a later layer then fails for every size left, the model fails for
  every size and the error is reported at the broadcast; if not, the pin is an input condition;
* an equality with finitely many solutions (``Linear(64)`` on ``C`` features) pins ``C``, and later
  checks are decided for that value;
* a forward that squeezes or reads dims of its input by index before a layer fixes the rank is checked
  on the rank it runs on;
* ``x[:, 0::2] = v``: ``v`` must broadcast to the indexed part.
"""

from __future__ import annotations

import itertools
import random
import textwrap
from collections.abc import Sequence

import pytest

from shapecheck.dims import Dim, as_dim, floor_div
from shapecheck.static import FileReport, analyze_source
from shapecheck.static.solver import _periodic_zeros, never_equal

RESIDUAL = """\
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3)

    def forward(self, x):
        return x + self.conv(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = Block(8)
        self.down = nn.Conv2d(8, 8, 3, stride=2)
        self.tail = nn.Conv2d(8, 8, 3)

    def forward(self, x):
        x = self.block(self.stem(x))
        x = self.down(x)
        return self.tail(x)
"""

HEADS = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.qk = nn.Linear(64, 128)

    def forward(self, x):
        B, T, C = x.size()
        q, k = self.qk(x).split(64, dim=2)
        q = q.view(B, T, 4, C // 4).transpose(1, 2)
        k = k.view(B, T, C // 4, 4).transpose(1, 2)
        return q @ k.transpose(-2, -1)
"""

SQUEEZED = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 16)
        self.rnn = nn.RNN(16, 16, bidirectional=True)

    def forward(self, x):
        x = self.fc(x)
        x = x.squeeze(1)
        x = x.transpose(0, 1)
        x, _ = self.rnn(x)
        return x[:, :, :16] + x[:, :, 16:]
"""

TABLE = """\
import math
import torch
import torch.nn as nn


class Table(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        pe = torch.zeros(100, self.dim)
        position = torch.arange(0, 100, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, self.dim, 2).float() * (-math.log(10000.0) / self.dim))
        pe[:, 0::2] = torch.sin(position * div_term)
        return x + pe[: x.size(1)]


def test():
    return Table(16)(torch.randn(2, 10, 16))
"""


HALVES = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pre = nn.Conv2d(4, 4, 1)
        self.conv = nn.Conv2d(8, 8, 3)

    def forward(self, x):
        x = self.pre(x)
        a = x.flatten(2)
        b = x[:, :, ::2].flatten(2)
        y = torch.cat([a, b], dim=1)
        return self.conv(y.view(y.size(0), 8, x.size(2), x.size(3)))
"""


def report(source: str) -> FileReport:
    return analyze_source(source, "model.py")


def lines(source: str) -> list[int]:
    return [f.line for f in report(source).findings]


def line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def torch_runs(source: str, shape: Sequence[int], name: str = "Net") -> bool:
    """Whether torch builds ``name`` from ``source`` and runs it on a random tensor of ``shape``."""
    torch = pytest.importorskip("torch")
    namespace: dict[str, object] = {}
    exec(compile(source, "model.py", "exec"), namespace)  # noqa: S102 - the test's own source
    model = namespace[name]()  # type: ignore[operator]
    try:
        with torch.no_grad():
            model(torch.randn(*shape))
    except (RuntimeError, ValueError, IndexError):
        return False
    return True


def test_a_broadcast_only_a_size_1_allows_then_a_failure_is_reported_at_the_broadcast() -> None:
    """``x + conv(x)`` pairs ``H`` with ``H - 2``: only ``H == 3`` broadcasts (the conv's side is 1),
    and then the strided conv leaves 1 pixel for the 3x3 ``tail``: no size runs, torch fails at the add
    for every size but 3, and at ``tail`` for 3."""
    add = line_of(RESIDUAL, "return x + self.conv(x)")
    found = report(RESIDUAL).findings
    assert [f.line for f in found] == [add]
    assert "it holds only where H - 2 == 1" in found[0].notes[0]
    assert not any(torch_runs(RESIDUAL, (1, 3, h, w)) for h, w in itertools.product(range(1, 12), (3, 7)))


def test_a_broadcast_only_a_size_1_allows_is_an_input_condition_when_the_rest_runs() -> None:
    source = RESIDUAL.replace("        return self.tail(x)", "        return x")
    found = report(source)
    assert found.findings == []
    assert "H - 2 == 1" in next(m for m in found.models if m.name == "Net").conditions
    assert torch_runs(source, (1, 3, 3, 3))
    assert not torch_runs(source, (1, 3, 5, 5))


def test_an_equality_with_one_solution_pins_the_size_for_later_checks() -> None:
    """``Linear(64)`` makes ``C`` 64; then ``4`` heads against ``C // 4 == 16`` never match."""
    assert lines(HEADS) == [line_of(HEADS, "return q @ k")]
    assert not torch_runs(HEADS, (2, 5, 64))
    fixed = HEADS.replace("k.view(B, T, C // 4, 4)", "k.view(B, T, 4, C // 4)")
    assert lines(fixed) == []
    assert torch_runs(fixed, (2, 5, 64))


def test_an_equality_a_later_bound_leaves_no_size_is_reported_where_it_was_required() -> None:
    """``cat`` of ``H*W`` and ``((H+1)//2)*W`` positions holds only for ``H == 1``; the 3x3 conv after it
    needs ``H >= 3``: no size runs, torch fails at the ``cat`` for every height but 1."""
    assert lines(HALVES) == [line_of(HALVES, "torch.cat")]
    assert not any(torch_runs(HALVES, (1, 4, h, w)) for h, w in itertools.product(range(1, 8), (1, 3, 6)))


def test_a_forward_that_squeezes_its_input_is_checked_on_the_rank_it_runs_on() -> None:
    """``x.squeeze(1)`` before a layer fixes the rank: ``(B, 1, T, 10)`` runs, and the bidirectional
    halves are added; sliced one off, no size runs."""
    good = report(SQUEEZED)
    assert good.findings == []
    assert good.models[0].inputs == "x: (B, 1, H, 10)"
    assert torch_runs(SQUEEZED, (2, 1, 7, 10))
    bad = SQUEEZED.replace("x[:, :, 16:]", "x[:, :, 15:]")
    assert lines(bad) == [line_of(bad, "return x[:, :, :16]")]
    assert not any(torch_runs(bad, shape) for shape in [(2, 1, 7, 10), (2, 7, 10), (1, 1, 10), (2, 3, 7, 10)])


def test_a_slice_assignment_must_broadcast_to_the_indexed_part() -> None:
    """A sinusoid table filled every second column: ``dim`` frequencies do not fit ``dim / 2`` columns."""
    torch = pytest.importorskip("torch")
    bad = TABLE.replace("torch.arange(0, self.dim, 2)", "torch.arange(0, self.dim)")
    assert lines(TABLE) == []
    assert lines(bad) == [line_of(bad, "pe[:, 0::2] =")]
    for text, runs in ((TABLE, True), (bad, False)):
        namespace: dict[str, object] = {}
        exec(compile(text, "model.py", "exec"), namespace)  # noqa: S102 - the test's own source
        with torch.no_grad():
            try:
                namespace["test"]()  # type: ignore[operator]
            except RuntimeError:
                assert not runs
            else:
                assert runs


def _linear_forms(rng: random.Random) -> Dim:
    h = as_dim("H")
    terms = [h, floor_div(h + rng.randrange(0, 8), rng.choice((2, 3, 4, 8))), floor_div(h + rng.randrange(0, 4), rng.choice((2, 16)))]
    d: Dim = rng.randrange(-20, 20)
    for t in terms:
        d = d + rng.randrange(-3, 4) * t
    return d


def test_zeros_of_a_linear_form_with_floors_are_exact() -> None:
    """Against brute force over 1..2000: every zero found, none invented, and None only with zeros in
    every period."""
    rng = random.Random(11)
    for _ in range(300):
        d = _linear_forms(rng)
        lower = rng.randrange(1, 10)
        zeros = _periodic_zeros(d, {"H": lower})
        brute = [h for h in range(lower, 2000) if (d.const if isinstance(d, int) else _value(d, h)) == 0]
        if zeros is None:
            assert len(brute) > 20, d
        else:
            assert [z for z in zeros if z < 2000] == brute, d


def _value(d: Dim, h: int) -> int:
    from shapecheck.dims import evaluate

    return evaluate(d, {"H": h})


def test_never_equal_over_one_period() -> None:
    h = as_dim("H")
    assert never_equal(floor_div(h + 1, 4), floor_div(h + 1, 8), {"H": 7}) is not None
    assert never_equal(floor_div(h + 1, 4), floor_div(h + 1, 8), {}) is None  # H <= 2: both 0
