"""``shapecheck lsp`` end to end: a real LSP client (pytest-lsp) drives the server over stdio.

Every feature request waits for the analysis of the document's latest version, and the server publishes
diagnostics before it answers, so the client's diagnostics are current after any request: no sleeps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from shapecheck.lsp.diagnostics import diagnostics
from shapecheck.lsp.fixes import Edit, apply, fixes_of
from shapecheck.lsp.hints import inlay_hints
from shapecheck.lsp.hover import hover
from shapecheck.lsp.snapshot import analyze
from shapecheck.lsp.text import byte_column, client_column, lines_of, word_at
from tests.test_static import HELPER_NET

ROOT = Path(__file__).parents[1]
NET = (ROOT / "examples" / "cifar_net.py").read_text()
"""The CIFAR-10 tutorial's net with the MNIST net's first Linear: ``Linear(16 * 4 * 4, 120)``."""

HEAD = '''import torch.nn as nn


class Head(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.proj = nn.Linear(8, 16)
        self.fc = nn.Linear(features, 10)

    def forward(self, x):
        return self.fc(self.proj(x))
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "shapecheck", "lsp"]))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


FAILING = "import shapecheck.lsp.server as s\ndef fail(*args, **kwargs):\n    raise RuntimeError('an interpreter bug')\ns.analyze = fail\ns.serve()\n"
"""A server whose analysis always fails."""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", FAILING]))
async def failing(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim")))
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text)))
    return uri


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    change = types.TextDocumentContentChangeWholeDocument(text)
    client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]))


async def _hover(client: LanguageClient, uri: str, line: int, character: int) -> str:
    found = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character)))
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


def _at(line: int, needle: str) -> tuple[int, int]:
    """The position of ``needle`` on 0-based ``line`` of ``NET``."""
    return line, NET.split("\n")[line].index(needle)


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The diagnostics of ``uri`` once its latest version is analysed (an inlay hint request waits for it)."""
    whole = types.Range(types.Position(0, 0), types.Position(1000, 0))
    await client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), whole))
    return list(client.diagnostics.get(uri, []))


@pytest.mark.asyncio
async def test_diagnostic_hover_hints_and_fix(client: LanguageClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path / "cifar_net.py", NET)
    (diagnostic,) = await _diagnostics(client, uri)
    assert diagnostic.range.start == types.Position(*_at(31, "self.fc1"))  # x = F.relu(self.fc1(x))
    assert diagnostic.code == "shape" and diagnostic.source == "shapecheck"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    lines = diagnostic.message.splitlines()
    assert lines[0] == "Linear expects 256 input features, got 400"
    assert "fix: Linear(400, 120)" in lines
    cli = subprocess.run([sys.executable, "-m", "shapecheck", "check", str(tmp_path / "cifar_net.py")], capture_output=True, text=True)
    assert [f"    {line}" for line in lines[1:]] == cli.stdout.splitlines()[1 : len(lines)]  # the notes as check prints them
    assert diagnostic.related_information is not None
    assert diagnostic.related_information[0].location.range.start == types.Position(*_at(23, "self.fc1 = "))

    # the shape of x on three lines of forward: where it is assigned, and where it is read
    assert "x: (B, 6, H//2 - 2, W//2 - 2)" in await _hover(client, uri, 28, 8)
    assert "x: (B, 16, H//4 - 3, W//4 - 3)" in await _hover(client, uri, 29, 8)
    third = await _hover(client, uri, *_at(33, "x)"))  # the x read by self.fc3(x)
    assert "x: (B, 84)" in third and "input conditions: H >= 16, W >= 16" in third
    assert "`(4, 6, 14, 14)` in module level" in await _hover(client, uri, 28, 8)  # the run on the images of __main__
    layer = await _hover(client, uri, *_at(28, "conv1"))
    assert "self.conv1 = Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))" in layer and "parameters: 6*3*5*5 + 6 = 456" in layer
    assert "`(B, 3, H, W)` -> `(B, 6, H - 4, W - 4)`" in layer
    assert "H_out = (H + 2*0 - 1*(5 - 1) - 1)//1 + 1 = H - 4" in layer

    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), types.Range(types.Position(27, 0), types.Position(34, 0)))
    )
    assert hints is not None
    labels = {(h.position.line, h.position.character): h.label for h in hints}
    assert labels[(27, 23)] == ": (B, 3, H, W)"  # the parameter x
    assert labels[(28, 9)] == ": (B, 6, H//2 - 2, W//2 - 2)"
    assert labels[(33, 9)] == ": (B, 10)"

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))
    )
    assert actions is not None
    (action,) = actions
    assert isinstance(action, types.CodeAction) and action.kind == types.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[uri]
    fixed = _applied(NET, edit)
    assert "        self.fc1 = nn.Linear(400, 120)  # copied" in fixed
    _change(client, uri, 2, fixed)
    assert await _diagnostics(client, uri) == []


def _applied(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")
    start, end = edit.range.start, edit.range.end
    assert start.line == end.line
    line = lines[start.line]
    lines[start.line] = line[: start.character] + edit.new_text + line[end.character :]
    return "\n".join(lines)


FORWARD = NET.replace("16 * 4 * 4", "16 * 5 * 5").replace("        x = torch.flatten(x, 1)  # flatten all dimensions except batch\n", "")
"""The CIFAR-10 net with the right Linear, but without its flatten."""

CHAIN_NO_FLATTEN = '''import torch
from torch import nn

net = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Linear(16 * 16 * 16, 10),
)
images = torch.randn(2, 3, 32, 32)
print(net(images).shape)
'''


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text, fix, title, inserted",
    [
        (
            FORWARD,
            "fix: x = torch.flatten(x, 1) before this line: (4, 16, 5, 5) flattens to (4, 400)",
            "Insert x = torch.flatten(x, 1)",
            "        x = torch.flatten(x, 1)\n        x = F.relu(self.fc1(x))\n",
        ),
        (
            CHAIN_NO_FLATTEN,
            "fix: Flatten() before it: (2, 16, 16, 16) flattens to (2, 4096)",
            "Insert nn.Flatten() before the Linear",
            "    nn.Flatten(),\n    nn.Linear(16 * 16 * 16, 10),",
        ),
    ],
    ids=["forward", "sequential"],
)
async def test_a_quick_fix_inserts_the_forgotten_flatten(client: LanguageClient, tmp_path: Path, text: str, fix: str, title: str, inserted: str) -> None:
    """torch fails on the file; check and the diagnostic propose the flatten, the first (preferred) action
    inserts it, the diagnostic goes, and torch runs the fixed file."""
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        exec(compile(text, "net.py", "exec"), {"__name__": "__main__"})
    uri = _open(client, tmp_path / "net.py", text)
    (diagnostic,) = await _diagnostics(client, uri)
    cli = subprocess.run([sys.executable, "-m", "shapecheck", "check", str(tmp_path / "net.py")], capture_output=True, text=True)
    assert fix in diagnostic.message.splitlines() and f"    {fix}" in cli.stdout.splitlines()
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic]))
    )
    assert actions is not None and isinstance(actions[0], types.CodeAction)
    action = actions[0]
    assert action.title == title and action.is_preferred and action.kind == types.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[uri]
    fixed = _applied(text, edit)
    assert inserted in fixed
    _change(client, uri, 2, fixed)
    assert await _diagnostics(client, uri) == []
    scope: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(fixed, "net.py", "exec"), scope)
    assert scope["net"](scope["images"]).shape[1:] == (10,)


@pytest.mark.asyncio
async def test_mid_edit_syntax_error(client: LanguageClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path / "net.py", NET)
    assert len(await _diagnostics(client, uri)) == 1
    broken = NET.replace("        x = torch.flatten(x, 1)", "        x = torch.flatten(x, ")
    _change(client, uri, 2, broken)
    assert len(await _diagnostics(client, uri)) == 1  # the last good analysis stands
    assert await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(30, 8))
    ) is None  # a line changed since: nothing said about it
    assert "x: (B, 6, H//2 - 2, W//2 - 2)" in await _hover(client, uri, 28, 8)  # unchanged lines still answer
    _change(client, uri, 3, NET.replace("16 * 4 * 4", "16 * 5 * 5"))
    assert await _diagnostics(client, uri) == []
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


@pytest.mark.asyncio
async def test_pyproject_models(client: LanguageClient, tmp_path: Path) -> None:
    uri = _open(client, tmp_path / "head.py", HEAD)
    assert await _diagnostics(client, uri) == []  # Head(features) with features unknown: nothing to say
    (tmp_path / "pyproject.toml").write_text('[tool.shapecheck]\nmodels = ["head.py:Head(32)"]\n')
    _change(client, uri, 2, HEAD + "\n")
    (diagnostic,) = await _diagnostics(client, uri)
    assert diagnostic.message.startswith("Linear expects 32 input features, got 16")
    (tmp_path / "pyproject.toml").write_text("[tool.shapecheck]\nmodels = 3\n")
    for version in (3, 4):
        _change(client, uri, version, HEAD + "\n" * version)
        assert await _diagnostics(client, uri) == []
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]  # the user's mistake, not ours
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert len(warnings) == 1 and "models must be a list such as" in warnings[0]  # shown once


def test_columns() -> None:
    line = "    é = nn.Linear(4, 2)  # 😀"
    column = len("    é = ".encode())
    assert client_column(line, column) == 8 and byte_column(line, 8) == column
    assert client_column(line, len(line.encode())) == len(line) + 1  # the emoji is two UTF-16 units
    assert client_column(line, column, "utf-8") == column and client_column(line, column, "utf-32") == 8
    assert word_at(line, column + 1) == (column, "nn") and word_at(line, column + 3) == (column + 3, "Linear")
    assert lines_of("a\r\nb\rc\nd") == ["a", "b", "c", "d"]


def test_missing_pygls(tmp_path: Path) -> None:
    """Without pygls the command says what to install and exits with 2."""
    (tmp_path / "pygls.py").write_text("raise ModuleNotFoundError('no pygls', name='pygls')\n")
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from shapecheck.cli import main; sys.exit(main(['lsp']))"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "pip install 'shapecheck[lsp]'" in done.stderr


def test_fix_of_a_sequential_literal() -> None:
    """A shapecheck.nn chain's construction error: the fix edits the layer's own line, and the finding goes."""
    path = ROOT / "examples" / "cifar_vgg_bug.py"
    snap = analyze(path.read_text(), str(path), 1)
    assert snap is not None
    (finding,) = snap.report.findings
    (fix,) = fixes_of(snap, finding)
    assert fix.text == "Linear(512, 4096)" and fix.edits == (Edit(45, 18, 29, "512"),)
    fixed = apply(snap.text, fix.edits)
    assert "        nn.Linear(512, 4096),  # copied from the 224x224 model\n" in fixed
    after = analyze(fixed, str(path), 2)
    assert after is not None and after.report.findings == []


def test_no_fix_where_the_call_is_ambiguous() -> None:
    text = NET.replace("        self.fc1 = nn.Linear(16 * 4 * 4, 120)", "        self.fc1 = nn.Linear(16 * 4 * 4, 120); self.fc9 = nn.Linear(1, 2)")
    snap = analyze(text, "net.py", 1)
    assert snap is not None
    (finding,) = snap.report.findings
    assert finding.error is not None and finding.error.fixes[0] == "Linear(400, 120)"
    assert fixes_of(snap, finding) == []  # two Linear calls on the line that built fc1


def test_gaps_as_hints() -> None:
    """Off by default; with ``--gaps``, each line where tracking was lost is a hint."""
    text = NET.replace("import torch\n", "import torch\nfrom mylib import fancy_op\n").replace(
        "        x = F.relu(self.fc1(x))", "        x = F.relu(self.fc1(fancy_op(x)))"
    )
    snap = analyze(text, "net.py", 1)
    assert snap is not None
    assert diagnostics(snap, "file:///net.py", "utf-16") == []
    hints = diagnostics(snap, "file:///net.py", "utf-16", gaps=True)
    assert hints and all(d.severity == types.DiagnosticSeverity.Hint for d in hints)
    assert hints[0].message.startswith("not followed: unknown call mylib.fancy_op()")


def test_mid_edit_text_is_not_analysed() -> None:
    assert analyze("class Net(nn.Module):\n    def forward(self, x):\n        x = (\n", "net.py", 1) is None


MLP = '''import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 256),
            nn.ReLU(), nn.Linear(256, 10),
        )

    def forward(self, x):
        y = self.net(x)
        return y
'''


def test_hints_after_the_layers_of_a_sequential() -> None:
    snap = analyze(MLP, "mlp.py", 1)
    assert snap is not None
    hints = inlay_hints(snap, 0, 20, set(range(20)), "utf-16")
    lines = MLP.split("\n")
    shown = [lines[h.position.line][: h.position.character] + f"‹{h.label}›" for h in hints]
    assert shown == [
        "            nn.Linear(784, 256)‹ -> (..., 256)›",
        "            nn.ReLU()‹ -> (..., 256)›",
        "            nn.ReLU(), nn.Linear(256, 10)‹ -> (..., 10)›",
        "    def forward(self, x‹: (..., 784)›",
        "        y‹: (..., 10)›",
    ]


@pytest.mark.asyncio
async def test_an_internal_failure_is_logged_once(failing: LanguageClient, tmp_path: Path) -> None:
    uri = _open(failing, tmp_path / "cifar_net.py", NET)
    for version in (2, 3):
        _change(failing, uri, version, NET + "\n" * version)
        assert await _diagnostics(failing, uri) == []
        assert await failing.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(28, 8))) is None
    (message,) = [m.message for m in failing.log_messages if m.type == types.MessageType.Error]
    assert "RuntimeError: an interpreter bug" in message and "reported once" in message


CHAIN = '''from shapecheck import nn

model = nn.Sequential(
    nn.Input("B", 3, 32, 32),
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
    nn.Flatten(),
    nn.Linear(16 * 32 * 32, 10),
)
'''


def test_a_shapecheck_chain_literal() -> None:
    """A ``shapecheck.nn`` chain with a declared input: its layers' shapes as built, in hints and hovers."""
    snap = analyze(CHAIN, "chain.py", 1)
    assert snap is not None
    lines = CHAIN.split("\n")
    hints = {lines[h.position.line][: h.position.character]: h.label for h in inlay_hints(snap, 0, 10, set(range(10)), "utf-16")}
    assert hints["    nn.Conv2d(3, 16, 3, padding=1)"] == " -> (B, 16, 32, 32)"
    assert hints["    nn.Linear(16 * 32 * 32, 10)"] == " -> (B, 10)"
    text = hover(snap, 7, lines[6].index("Linear"))
    assert text is not None and "parameters: 10*16384 + 10 = 163,850" in text
    assert "- the Sequential built at line 3: `(B, 16384)` -> `(B, 10)`, MACs 163,840*B" in text


def test_flatten_inserted_after_a_layer_on_its_line_and_not_into_a_shared_line() -> None:
    text = CHAIN_NO_FLATTEN.replace("    nn.MaxPool2d(2),\n    nn.Linear", "    nn.MaxPool2d(2), nn.Linear")
    snap = analyze(text, "net.py", 1)
    assert snap is not None
    (finding,) = snap.report.findings
    first = fixes_of(snap, finding)[0]
    assert first.title == "Insert nn.Flatten() before the Linear"
    assert "    nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 16 * 16, 10),\n" in apply(text, first.edits)
    shared = FORWARD.replace("        x = F.relu(self.fc1(x))", "        y = 1; x = F.relu(self.fc1(x))")
    snap = analyze(shared, "net.py", 1)
    assert snap is not None
    (finding,) = snap.report.findings
    assert finding.error is not None and finding.error.fixes[0].startswith("x = torch.flatten(x, 1) before this line")
    assert fixes_of(snap, finding) == []  # where to put the line is not certain; Linear(5, 120) over W is not a fix


BLOCKS = '''import torch.nn as nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )
'''

USES_BLOCKS = '''import torch.nn as nn

from .blocks import conv_bn


class Net(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = conv_bn(3, 32, 2)
        layers = [nn.Conv2d(32, 64, 3), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.body(self.stem(x))
        return self.fc(x.mean((2, 3)))
'''


@pytest.mark.asyncio
async def test_hovers_on_layers_built_elsewhere(client: LanguageClient, tmp_path: Path) -> None:
    """``self.stem`` built by a helper of another file of the package, ``self.body`` a Sequential of a list
    built on other lines: their hovers show what they got and gave, which torch's layers give too."""
    import torch

    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "blocks.py").write_text(BLOCKS)
    uri = _open(client, tmp_path / "net.py", USES_BLOCKS)
    assert await _diagnostics(client, uri) == []
    lines = USES_BLOCKS.split("\n")
    stem = await _hover(client, uri, 8, lines[8].index("stem"))
    assert "self.stem: 3 layers" in stem and "- Net: `(B, 3, H, W)` -> `(B, 32, (H + 1)//2, (W + 1)//2)`" in stem
    body = await _hover(client, uri, 14, lines[14].index("body"))
    assert "self.body: 2 layers" in body and "`(B, 32, (H + 1)//2, (W + 1)//2)` -> `(B, 64, (H + 1)//2 - 2, (W + 1)//2 - 2)`" in body
    scope: dict[str, object] = {}
    exec(compile(BLOCKS, "blocks.py", "exec"), scope)
    real_stem = scope["conv_bn"](3, 32, 2)  # type: ignore[operator]
    real_body = torch.nn.Sequential(torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU())
    for h, w in ((33, 40), (64, 17)):
        y = real_stem(torch.zeros(1, 3, h, w))
        assert tuple(y.shape[2:]) == ((h + 1) // 2, (w + 1) // 2)
        assert tuple(real_body(y).shape[2:]) == ((h + 1) // 2 - 2, (w + 1) // 2 - 2)
    assert f"parameters: {sum(p.numel() for p in real_stem.parameters()):,}" in stem




def test_fix_at_the_helper_call() -> None:
    """A layer a helper built with the wrong size: the quick fix edits the call (line 12), not the helper."""
    snap = analyze(HELPER_NET, "net.py", 1)
    assert snap is not None
    (finding,) = snap.report.findings
    (fix,) = fixes_of(snap, finding)
    line = HELPER_NET.splitlines().index("        self.b = conv_bn(32, 64)") + 1
    assert fix.text == "conv_bn(16, 64)" and fix.edits == (Edit(line, 25, 27, "16"),)
    after = analyze(apply(snap.text, fix.edits), "net.py", 2)
    assert after is not None and after.report.findings == []


PACKAGE_BLOCKS = '''import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout))


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = conv_bn(cin, cout)
        self.skip = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        y = self.body(x)
        x = self.skip(x)
        return F.relu(x + y)
'''

PACKAGE_NET = '''import torch.nn as nn

from .blocks import Block, conv_bn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block(3, 16)
        self.down = conv_bn(16, 32, 2)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.down(self.stem(x))
        return self.fc(x.mean((2, 3)))
'''

SIBLING_HEAD = """import torch
import blocks

model = blocks.Block(3, 8)
"""
SIBLING_RUN = "y = model(torch.randn(2, 3, 20, 24))\n"

IN_TORCH = """import json, torch
{setup}
seen = {{}}
def keep(key):
    return lambda module, args, out: seen.setdefault(key, []).append([list(args[0].shape), list(out.shape)])
for key, module in {hooks}.items():
    module.register_forward_hook(keep(key))
{run}
print(json.dumps(seen))
"""
"""A script that runs the project's model in torch and prints what the ``hooks`` layers got and gave."""


def _position(text: str, line: str, needle: str) -> tuple[int, int]:
    """The 0-based position of the last ``needle`` in the first line of ``text`` that starts with ``line``."""
    lines = text.split("\n")
    number = next(i for i, t in enumerate(lines) if t.startswith(line))
    return number, lines[number].rindex(needle, 0, len(line))


def _in_torch(cwd: Path, setup: str, hooks: str, run: str) -> dict[str, list[list[list[int]]]]:
    script = IN_TORCH.format(setup=setup, hooks=hooks, run=run)
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, list[list[list[int]]]] = json.loads(done.stdout.splitlines()[-1])
    return result


def _value(shape: str, **sizes: int) -> list[int]:
    """A shape the server showed (``(B, 16, H, W)``) at the given sizes (its formulas are Python's)."""
    return list(eval(shape, {}, sizes))


async def _hints(client: LanguageClient, uri: str) -> dict[tuple[int, int], types.InlayHint]:
    whole = types.Range(types.Position(0, 0), types.Position(100, 0))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(types.TextDocumentIdentifier(uri), whole))
    return {(h.position.line, h.position.character): h for h in hints or []}


def _package(tmp_path: Path) -> Path:
    """A package whose ``net.py`` builds ``Block(3, 16)`` and ``conv_bn(16, 32, 2)`` of its ``blocks.py`` (not written)."""
    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "net.py").write_text(PACKAGE_NET)
    return package / "blocks.py"


SIZES = ((2, 32, 40), (3, 17, 9))


@pytest.mark.asyncio
async def test_shapes_inside_a_module_the_package_imports(client: LanguageClient, tmp_path: Path) -> None:
    """``blocks.py`` open alone: ``Block(cin, cout)`` cannot be checked alone, but ``net.py`` builds
    ``Block(3, 16)``; its hovers and hints show the shapes of Net's run, which torch gives too."""
    uri = _open(client, _package(tmp_path), PACKAGE_BLOCKS)
    assert await _diagnostics(client, uri) == []
    read = await _hover(client, uri, *_position(PACKAGE_BLOCKS, "        y = self.body(x", "x"))
    assert "x: (B, 3, H, W)" in read and "in Net (net.py), on x: (B, 3, H, W)" in read
    assert "y: (B, 16, H, W)" in await _hover(client, uri, *_position(PACKAGE_BLOCKS, "        y", "y"))
    skipped = _position(PACKAGE_BLOCKS, "        x", "x")
    assert "x: (B, 16, H, W)" in await _hover(client, uri, *skipped)
    conv = await _hover(client, uri, *_position(PACKAGE_BLOCKS, "    return nn.Sequential(nn.Conv2d", "Conv2d"))
    assert "the layers: 2 layers" in conv  # conv_bn(3, 16) in the Block, then conv_bn(16, 32, 2)
    assert "- Net (net.py): `(B, 3, H, W)` -> `(B, 32, (H + 1)//2, (W + 1)//2)`" in conv
    hint = (await _hints(client, uri))[(skipped[0], skipped[1] + 1)]
    assert hint.label == ": (B, 16, H, W)" and hint.tooltip == "in Net (net.py)"

    hooks = '{"body": net.stem.body, "skip": net.stem.skip, "down": net.down[0]}'
    run = f"for b, h, w in {SIZES}:\n    net(torch.zeros(b, 3, h, w))\nseen['params'] = [sum(p.numel() for m in (net.stem.body[0], net.down[0]) for p in m.parameters())]"
    real = _in_torch(tmp_path, "from proj.net import Net\nnet = Net()", hooks, run)
    for (b, h, w), body, skip, down in zip(SIZES, real["body"], real["skip"], real["down"]):
        assert body[0] == _value("(B, 3, H, W)", B=b, H=h, W=w)
        assert body[1] == skip[1] == down[0] == _value("(B, 16, H, W)", B=b, H=h, W=w)
        assert down[1] == _value("(B, 32, (H + 1)//2, (W + 1)//2)", B=b, H=h, W=w)
    assert f"parameters: {real['params'][0]:,}" in conv


@pytest.mark.asyncio
async def test_shapes_inside_a_module_a_script_imports(client: LanguageClient, tmp_path: Path) -> None:
    """``import blocks`` beside a script that runs ``Block(3, 8)`` on a (2, 3, 20, 24) batch at its top level."""
    (tmp_path / "train.py").write_text(SIBLING_HEAD + SIBLING_RUN)
    uri = _open(client, tmp_path / "blocks.py", PACKAGE_BLOCKS)
    read = await _hover(client, uri, *_position(PACKAGE_BLOCKS, "        y = self.body(x", "x"))
    assert "x: (B, 3, H, W)" in read and "in Block (built at line 4 of train.py), on x: (B, 3, H, W)" in read
    assert "- `(2, 3, 20, 24)` in module level (train.py)" in read  # the batch the script runs it on
    y = _position(PACKAGE_BLOCKS, "        y", "y")
    assert "- `(2, 8, 20, 24)` in module level (train.py)" in await _hover(client, uri, *y)
    assert (await _hints(client, uri))[(y[0], y[1] + 1)].label == ": (B, 8, H, W)"
    run = SIBLING_RUN + f"for b, h, w in {SIZES}:\n    model(torch.zeros(b, 3, h, w))"
    real = _in_torch(tmp_path, SIBLING_HEAD, '{"body": model.body}', run)
    assert real["body"][0] == [[2, 3, 20, 24], [2, 8, 20, 24]]
    for (b, h, w), (x, out) in zip(SIZES, real["body"][1:]):
        assert x == _value("(B, 3, H, W)", B=b, H=h, W=w) and out == _value("(B, 8, H, W)", B=b, H=h, W=w)


@pytest.mark.asyncio
async def test_a_module_nobody_imports_is_analysed_alone(client: LanguageClient, tmp_path: Path) -> None:
    """A sibling that does not import it changes nothing: the server answers as the file's own analysis."""
    (tmp_path / "other.py").write_text("import json\nimport torch\n\nprint(torch.zeros(2, 3).shape)\n")
    path = tmp_path / "blocks.py"
    uri = _open(client, path, PACKAGE_BLOCKS)
    alone = analyze(PACKAGE_BLOCKS, str(path), 1)
    assert alone is not None
    line, column = _position(PACKAGE_BLOCKS, "        y = self.body(x", "x")
    found = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, column)))
    expected = hover(alone, line + 1, column)
    assert expected is not None and "x: (...)" in expected  # Block(cin, cout) alone: the rank of x is not known
    assert (found.contents.value if found is not None and isinstance(found.contents, types.MarkupContent) else None) == expected
    shown = {k: h.label for k, h in (await _hints(client, uri)).items()}
    assert shown == {(h.position.line, h.position.character): h.label for h in inlay_hints(alone, 0, 100, set(range(100)), "utf-16")}


@pytest.mark.asyncio
async def test_importer_shapes_follow_the_edited_text(client: LanguageClient, tmp_path: Path) -> None:
    """Edits not saved: the importers read the editor's text (a line added above moves the shapes with
    it); a line changed since their analysis (mid-edit, not parsed) shows none."""
    uri = _open(client, _package(tmp_path), PACKAGE_BLOCKS)
    y = _position(PACKAGE_BLOCKS, "        y", "y")
    assert "y: (B, 16, H, W)" in await _hover(client, uri, *y)
    moved = "# a comment\n" + PACKAGE_BLOCKS
    _change(client, uri, 2, moved)
    assert "y: (B, 16, H, W)" in await _hover(client, uri, y[0] + 1, y[1])
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(*y))) is None
    skipped = _position(moved, "        x", "x")
    _change(client, uri, 3, moved.replace("        x = self.skip(x)", "        x = self.skip("))
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(*skipped))) is None
    assert skipped[0] not in {line for line, _ in await _hints(client, uri)}
    assert "y: (B, 16, H, W)" in await _hover(client, uri, y[0] + 1, y[1])  # unchanged since: still shown
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]
