"""The language server (pygls, over stdio): each document is analysed on open and on change, and hovers,
inlay hints and quick fixes read its last good analysis.

Edits are coalesced: the first change after a pause is analysed at once, changes that follow within
``debounce`` seconds of each other once they pause, and a newer version always supersedes an older
one. The analyses run one at a time on a worker thread (the interpreter is not re-entrant), so the
server keeps answering meanwhile. Once edits pause, the files beside a document that import it are
analysed with its text, and what their runs recorded at its lines joins its analysis (``lsp.importers``).
A file that does not parse keeps its last good analysis; a failure of the analysis or of a feature is
logged to the client once and answered with nothing.
"""

from __future__ import annotations

import asyncio
import functools
import math
import traceback
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

import shapecheck
from shapecheck.check import CheckError
from shapecheck.check_static import configured_entries
from shapecheck.lsp.diagnostics import diagnostics
from shapecheck.lsp.fixes import Edit, Fix, apply, fixes_of
from shapecheck.lsp.hints import inlay_hints
from shapecheck.lsp.hover import hover
from shapecheck.lsp.importers import Importers, with_importers
from shapecheck.lsp.snapshot import Snapshot, analyze
from shapecheck.lsp.text import byte_column, client_column, lines_of
from shapecheck.static.analysis import Entry

__all__ = ["DEBOUNCE", "ShapeServer", "serve"]

DEBOUNCE: Final = 0.15
"""Seconds between edits below which they are coalesced into one analysis."""

P = ParamSpec("P")
R = TypeVar("R")


class _Protocol(LanguageServerProtocol):
    """pygls 2.1 keeps the future of every notification it handles (its table of futures is emptied by
    responses only): without forgetting the finished ones, the server grows by about 1 KiB per edit."""

    def _check_handler_result(self, future: Future[Any]) -> None:
        super()._check_handler_result(future)
        futures = self._request_futures
        for msg_id in [k for k, f in futures.items() if f.done()]:
            del futures[msg_id]


class ShapeServer(LanguageServer):
    """The server's state: the last good analysis of each document and the analysis under way."""

    def __init__(self, debounce: float = DEBOUNCE, gaps: bool = False) -> None:
        super().__init__("shapecheck", shapecheck.__version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental, protocol_cls=_Protocol)
        self.debounce = debounce
        self.gaps = gaps
        """Also publish each line where tracking was lost, as a hint (off by default: quiet)."""
        self.snapshots: dict[str, Snapshot] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._changed: dict[str, float] = {}
        self._verified: dict[tuple[str, tuple[Edit, ...]], bool] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapecheck-analysis")
        self._importers = Importers()
        self._logged: set[str] = set()

    @property
    def encoding(self) -> str:
        """How the client counts columns (agreed at initialisation; UTF-16 unless it said otherwise)."""
        return str(self.server_capabilities.position_encoding or types.PositionEncodingKind.Utf16)

    def log_once(self, what: str, err: BaseException) -> None:
        """Tell the client about an internal failure, once per distinct failure: with its traceback, to report."""
        key = f"shapecheck: {what}: {type(err).__name__}: {err}"
        if key not in self._logged:
            self._logged.add(key)
            trace = "".join(traceback.format_exception(err))
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"{key} (reported once; please report it)\n{trace}"))

    def warn_once(self, message: str) -> None:
        """Tell the user about a mistake of theirs that the server cannot work around (a bad ``pyproject.toml``), once."""
        if message not in self._logged:
            self._logged.add(message)
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, f"shapecheck: {message}"))

    def schedule(self, uri: str) -> None:
        """Analyse ``uri`` again: at once after a pause in its edits, else once they pause."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        burst = now - self._changed.get(uri, -math.inf) < self.debounce
        self._changed[uri] = now
        old = self._pending.get(uri)
        if old is not None:
            old.cancel()
        self._pending[uri] = loop.create_task(self._refresh(uri, self.debounce if burst else 0.0))

    def close(self, uri: str) -> None:
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.snapshots.pop(uri, None)
        self._changed.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    async def _refresh(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.workspace.get_text_document(uri)
        version, path = doc.version, doc.path
        try:
            snap = await self.run(analyze, doc.source, path, version, self._entries(path))
            if snap is None:  # mid-edit, does not parse: the last good analysis stands
                return
            published = diagnostics(snap, uri, self.encoding, self.gaps)
        except Exception as err:  # an interpreter failure must not take the server down
            self.log_once(f"analysis of {path} failed", err)
            return
        self.snapshots[uri] = snap
        self._verified = {k: v for k, v in self._verified.items() if k[0] != uri}
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, published, version))
        await self._borrow(uri, path, snap)

    async def _borrow(self, uri: str, path: str, snap: Snapshot) -> None:
        """Add to ``snap`` what the runs of the files importing ``path`` recorded at its lines, once edits
        pause (the importers read ``snap``'s text, so each shape is at its line)."""
        opened = {str(Path(d.path).resolve()): d.source for d in self.workspace.text_documents.values()}
        try:
            found = await self.run(self._importers.find, path, opened)
            if not found:
                return
            await asyncio.sleep(self.debounce)
            borrowed = [await self.run(self._importers.borrow, f, path, snap.text, opened) for f in found]
        except OSError:  # a file removed meanwhile: the next analysis looks again
            return
        except Exception as err:
            self.log_once(f"analysis of the files importing {path} failed", err)
            return
        self.snapshots[uri] = with_importers(snap, borrowed)

    def _entries(self, path: str) -> Sequence[Entry]:
        """The models ``[tool.shapecheck] models`` of the nearest ``pyproject.toml`` names in ``path``."""
        try:
            return configured_entries(str(Path(path).parent)).get(str(Path(path).resolve()), [])
        except CheckError as err:
            self.warn_once(str(err))
            return []

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` on the analysis thread."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, functools.partial(fn, *args, **kwargs))

    async def current(self, uri: str) -> tuple[Snapshot, set[int]] | None:
        """The last good analysis of ``uri`` (once the one under way is done) and the 0-based lines of
        the document unchanged since: what a feature may answer about."""
        while (task := self._pending.get(uri)) is not None and not task.done():
            await asyncio.wait({task})
        snap = self.snapshots.get(uri)
        if snap is None:
            return None
        lines = lines_of(self.workspace.get_text_document(uri).source)
        return snap, {i for i, (old, new) in enumerate(zip(snap.lines, lines)) if old == new}

    async def verified(self, uri: str, snap: Snapshot, fix: Fix) -> bool:
        """Whether applying ``fix`` removes its finding (now at its line moved by the lines the fix inserts)
        without losing track of shapes anywhere it was followed (checked once per analysis)."""
        key = (uri, fix.edits)
        if key not in self._verified:
            path = self.workspace.get_text_document(uri).path
            after = await self.run(analyze, apply(snap.text, fix.edits), path, None, self._entries(path))
            line = fix.finding.line + sum(len(lines_of(e.text)) - 1 for e in fix.edits if e.line <= fix.finding.line)
            gone = after is not None and not any(f.line == line and f.message == fix.finding.message for f in after.report.findings)
            self._verified[key] = gone and after is not None and _lost(after) <= _lost(snap)
        return self._verified[key]


def _lost(snap: Snapshot) -> int:
    """How many places the models of ``snap`` were not followed."""
    return sum(len(m.gaps) + (not m.followed) for m in snap.report.models)


def _guarded(what: str) -> Callable[[Callable[Concatenate[ShapeServer, P], Awaitable[R]]], Callable[Concatenate[ShapeServer, P], Awaitable[R | None]]]:
    """A handler that logs its failure to the client once and answers nothing, instead of raising."""

    def decorate(handler: Callable[Concatenate[ShapeServer, P], Awaitable[R]]) -> Callable[Concatenate[ShapeServer, P], Awaitable[R | None]]:
        async def guarded(ls: ShapeServer, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
            try:
                return await handler(ls, *args, **kwargs)
            except Exception as err:
                ls.log_once(what, err)
                return None

        return guarded

    return decorate


def _register(server: ShapeServer) -> None:
    async def opened_or_changed(ls: ShapeServer, params: types.DidOpenTextDocumentParams | types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(_guarded("didOpen")(opened_or_changed))
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(_guarded("didChange")(opened_or_changed))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_guarded("didClose")
    async def did_close(ls: ShapeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded("hover")
    async def on_hover(ls: ShapeServer, params: types.HoverParams) -> types.Hover | None:
        found = await ls.current(params.text_document.uri)
        line = params.position.line
        if found is None or line not in found[1]:
            return None
        snap = found[0]
        text = hover(snap, line + 1, byte_column(snap.lines[line], params.position.character, ls.encoding))
        return None if text is None else types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    @_guarded("inlay hints")
    async def on_inlay_hint(ls: ShapeServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        found = await ls.current(params.text_document.uri)
        if found is None:
            return None
        return inlay_hints(found[0], params.range.start.line, params.range.end.line, found[1], ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    @_guarded("code actions")
    async def on_code_action(ls: ShapeServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        found = await ls.current(uri)
        if found is None:
            return None
        snap, fresh = found
        published = diagnostics(snap, uri, ls.encoding)
        actions: list[types.CodeAction] = []
        for finding in snap.findings(params.range.start.line, params.range.end.line):
            diagnostic = published[snap.report.findings.index(finding)]
            for fix in fixes_of(snap, finding):
                if all(e.line - 1 in fresh for e in fix.edits) and await ls.verified(uri, snap, fix):
                    edits = [_text_edit(snap, e, ls.encoding) for e in fix.edits]
                    actions.append(
                        types.CodeAction(
                            fix.title,
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=types.WorkspaceEdit(changes={uri: edits}),
                            is_preferred=not actions,
                        )
                    )
        return actions


def _text_edit(snap: Snapshot, edit: Edit, encoding: str) -> types.TextEdit:
    text = snap.lines[edit.line - 1]
    start = types.Position(edit.line - 1, client_column(text, edit.start, encoding))
    end = types.Position(edit.line - 1, client_column(text, edit.end, encoding))
    return types.TextEdit(types.Range(start, end), edit.text)


def create_server(debounce: float = DEBOUNCE, gaps: bool = False) -> ShapeServer:
    """A server with every feature registered."""
    server = ShapeServer(debounce, gaps)
    _register(server)
    return server


def serve(debounce: float = DEBOUNCE, gaps: bool = False) -> None:
    """Serve over standard input and output until the client exits."""
    create_server(debounce, gaps).start_io()
