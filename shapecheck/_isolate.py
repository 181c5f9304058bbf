"""Running the user's code in a child process, so that what it does to its process cannot end shapecheck's.

``summary`` and ``diagram`` import the user's file and call its functions. There ``os._exit``, a
crash of the interpreter or a loop that never returns ends or stalls the child only; :func:`run`
raises :class:`Stopped`, saying how and at which stage (``importing model.py``), as the child
announced them. The child is forked where the platform can (shapecheck is already imported: no
second start-up), else spawned.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TypeVar

__all__ = ["Stage", "Stopped", "run"]

T = TypeVar("T")
Stage = Callable[[str], None]

_GRACE = 1.0
"""Seconds a child that sent its result may take to exit (waiting for its threads) before it is killed."""


class Stopped(Exception):
    """The child did not return: ``how`` it ended (``"exited with status 0"``), during which ``stage``."""

    def __init__(self, how: str, stage: str, *, timed_out: bool = False) -> None:
        super().__init__(f"{how} while {stage}")
        self.how = how
        self.stage = stage
        self.timed_out = timed_out


def run(work: Callable[[Stage], T], timeout: float | None) -> T:
    """``work(stage)`` run in a child process: its result, or :class:`Stopped` if none comes in ``timeout`` s.

    ``work`` calls ``stage("importing model.py")`` to say what it is doing; its result must pickle. The
    clock starts again at the first stage: starting the child (slow on a loaded machine) is not the
    user's code's time.
    """
    forks = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if forks else multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, writer), name="shapecheck-target")
    child.start()
    writer.close()
    deadline = None if timeout is None else time.monotonic() + timeout
    stage, returned = "starting", False
    try:
        while True:
            if not reader.poll(None if deadline is None else max(0.0, deadline - time.monotonic())):
                raise Stopped(f"was still running after {timeout:g} s", stage, timed_out=True)
            try:
                kind, value = reader.recv()
            except EOFError:
                child.join()
                raise Stopped(_ending(child.exitcode), stage) from None
            if kind == "stage":
                if stage == "starting" and timeout is not None:
                    deadline = time.monotonic() + timeout
                stage = value
            elif kind == "result":
                returned = True
                result: T = value
                return result
            else:
                raise RuntimeError(f"shapecheck failed in its child process while {stage}:\n{value}")
    finally:
        reader.close()
        child.join(_GRACE if returned else 0)
        if child.is_alive():
            child.kill()
            child.join()


def _child(work: Callable[[Stage], object], conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the child
    try:
        result = work(lambda stage: conn.send(("stage", stage)))
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a reader gone, a stream the code closed
                stream.flush()  # what the user's code printed comes before what the parent prints
        conn.send(("result", result))
    except BaseException:
        conn.send(("failed", traceback.format_exc()))
    conn.close()


def _ending(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"was ended by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was ended by signal {-exitcode}"
    return f"exited with status {exitcode}"
