"""The language server (``shapecheck lsp``) on a ~300-line model file: time from a ``didChange`` to the
``publishDiagnostics`` of that version, memory over 1,000 edits, and ``dmypy`` (with the plugin) on the
same edit.

Run from the repository root:  python bench/bench_lsp.py [--quick]

The client is pygls's, driving the real server over stdio. Each edit changes one line (``HIDDEN = 256``
<-> ``HIDDEN = 384``, a width two layers of every model read), as an incremental change.

* latency: the server as started by editors (``--debounce 150``); each edit follows a pause longer
  than the debounce (a pause in typing), so it is analysed at once; median and p95 of ``--edits``.
  Edits closer together than the debounce are coalesced and analysed once, when they pause.
* memory: the server's resident set size (``/proc/PID/status`` VmRSS) after 1, 100, 250, 500 and
  1,000 edits, each analysed (``--debounce 0``) and awaited.
* dmypy: ``bench_mypy.dmypy_recheck`` on the same file and edit (``plugins = shapecheck.mypy``): the
  wall time of ``dmypy run`` after the edit, the client's start included, median.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bench_mypy  # noqa: E402

__all__ = ["Figures", "measure", "model_file"]

WIDTHS = (256, 384)
HEAD = """import torch
import torch.nn as nn
import torch.nn.functional as F

HIDDEN = {hidden}
"""
MODELS = '''

class Cnn{i}(nn.Module):
    """A CIFAR-10 convnet."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 8 * 8, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class Block{i}(nn.Module):
    """A residual block."""

    def __init__(self, channels: int = 64, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class ResNet{i}(nn.Module):
    """A small residual network on 32x32 images."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 3, padding=1)
        self.layer1 = nn.Sequential(Block{i}(64), Block{i}(64))
        self.layer2 = nn.Sequential(Block{i}(64), Block{i}(64))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(64, HIDDEN)
        self.out = nn.Linear(HIDDEN, classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.pool(x).flatten(1)
        x = F.relu(self.head(x))
        return self.out(x)


class Mlp{i}(nn.Module):
    """An MLP on flattened 28x28 images."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, HIDDEN),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(HIDDEN, HIDDEN),
            nn.ReLU(),
            nn.Linear(HIDDEN, 10),
        )

    def forward(self, x):
        return self.net(x)
'''


def model_file(hidden: int, copies: int = 4) -> str:
    """Four model classes (a convnet, a residual block and network, an MLP), ``copies`` times: ~300 lines."""
    return HEAD.format(hidden=hidden) + "".join(MODELS.format(i=i) for i in range(copies))


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


class _Session:
    """A pygls client on ``shapecheck lsp``, one document open, and the time each version's diagnostics came."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.uri = path.as_uri()
        self.client = LanguageClient("bench-lsp", "1")
        self.published: dict[int, asyncio.Future[float]] = {}
        self.version = 1

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            waiter = self.published.get(params.version or 0)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

    def _expect(self, version: int) -> asyncio.Future[float]:
        self.published[version] = asyncio.get_running_loop().create_future()
        return self.published[version]

    async def start(self, debounce_ms: int) -> None:
        await self.client.start_io(sys.executable, "-m", "shapecheck", "lsp", "--debounce", str(debounce_ms))
        await self.client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
        self.client.initialized(types.InitializedParams())
        text = model_file(WIDTHS[0])
        self.path.write_text(text)
        done = self._expect(1)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(self.uri, "python", 1, text)))
        await done

    @property
    def pid(self) -> int:
        server = self.client._server  # the subprocess pygls started
        assert server is not None
        return server.pid

    async def edit(self) -> float:
        """One edit of the ``HIDDEN`` line; seconds until its diagnostics were published."""
        self.version += 1
        old, new = (WIDTHS[0], WIDTHS[1]) if self.version % 2 == 0 else (WIDTHS[1], WIDTHS[0])
        line = HEAD.splitlines().index("HIDDEN = {hidden}")
        where = types.Range(types.Position(line, 9), types.Position(line, 9 + len(str(old))))
        done = self._expect(self.version)
        start = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
                content_changes=[types.TextDocumentContentChangePartial(range=where, text=str(new))],
            )
        )
        return await done - start

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


async def _latency(path: Path, edits: int, debounce_ms: int) -> list[float]:
    session = _Session(path)
    await session.start(debounce_ms)
    times = []
    try:
        for _ in range(edits):
            await asyncio.sleep(debounce_ms / 1000 + 0.05)  # a pause in typing
            times.append(await session.edit())
    finally:
        await session.stop()
    return times


async def _memory(path: Path, edits: int) -> list[tuple[int, int]]:
    session = _Session(path)
    await session.start(0)
    marks = sorted({1, *(m for m in (100, 250, 500, 1000) if m <= edits), edits})
    out = []
    try:
        for i in range(1, edits + 1):
            await session.edit()
            if i in marks:
                out.append((i, _rss_kib(session.pid)))
    finally:
        await session.stop()
    return out


@dataclass
class Figures:
    """What one run measured."""

    lines: int
    latency: list[float]
    """Seconds from each didChange to its diagnostics."""
    memory: list[tuple[int, int]]
    """(edits, server RSS in KiB)."""
    dmypy: float
    dmypy_repeat: int

    @property
    def median(self) -> float:
        return statistics.median(self.latency)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latency, n=20, method="inclusive")[-1]

    def table(self) -> list[str]:
        """The results as a Markdown table."""
        rss = ", ".join(f"{n:,}: {kib / 1024:.1f}" for n, kib in self.memory)
        rows = [
            ("didChange -> publishDiagnostics, median", f"{self.median * 1000:.0f} ms", "<= 100 ms"),
            ("didChange -> publishDiagnostics, p95", f"{self.p95 * 1000:.0f} ms", "<= 250 ms"),
            ("server RSS (MiB) after N edits", rss, "flat"),
            (f"dmypy (plugins = shapecheck.mypy) after the same edit, median of {self.dmypy_repeat}", f"{self.dmypy:.2f} s", ""),
        ]
        head = f"{self.lines}-line file, {len(self.latency)} timed edits"
        return [f"| {head} | figure | goal |", "| --- | --- | --- |", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]


def measure(quick: bool = False) -> Figures:
    """Every figure of the benchmark (see the module docstring)."""
    edits, memory_edits, repeat = (20, 200, 3) if quick else (50, 1000, 7)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "models.py"
        latency = asyncio.run(_latency(path, edits, 150))
        memory = asyncio.run(_memory(path, memory_edits))
        _, dmypy = bench_mypy.dmypy_recheck(tmp, repeat, model_file, WIDTHS)
    return Figures(model_file(WIDTHS[0]).count("\n"), latency, memory, dmypy, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer edits (20 timed, 200 for memory)")
    args = parser.parse_args()
    print("\n".join(measure(args.quick).table()))


if __name__ == "__main__":
    main()
