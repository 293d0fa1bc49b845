"""Run :func:`dispatch.solve` in a forked child process, so a crash fails one test, not the run.

OR-Tools is native code: a bad model can kill the interpreter with a
segmentation fault, and some searches never end. :func:`solve_isolated` forks,
solves in the child and sends the plan (or the exception, and any warnings)
back through a pipe. A child killed by a signal raises :class:`SolverCrashed`
and one that outlives ``timeout_s`` is killed and raises :class:`SolverHung`,
so Hypothesis can shrink such problems like any other failure.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import time
import traceback
import warnings
from typing import Any

from dispatch import Plan, Problem, SolveOptions, solve

__all__ = ["SolverCrashed", "SolverHung", "solve_isolated"]


class SolverCrashed(Exception):
    """The solving process died from a signal (a crash inside native code)."""


class SolverHung(Exception):
    """The solving process did not finish in time and was killed."""


def _child(write_fd: int, problem: Problem, options: SolveOptions, kwargs: dict[str, Any]) -> None:
    """Solve and write ``(kind, payload, warnings)`` to the pipe."""
    payload: Any
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            kind, payload = "ok", solve(problem, options, **kwargs)
        except Exception as exc:
            # Exceptions with their own __init__ (InvalidInputError) do not unpickle, so send
            # the class, args and attributes and rebuild the exception in the parent.
            text = "".join(traceback.format_exception(exc))
            kind, payload = "raise", (type(exc), exc.args, vars(exc), text)
    seen = [(w.category, str(w.message)) for w in caught]
    try:
        data = pickle.dumps((kind, payload, seen))
    except Exception:
        failed = RuntimeError(f"unpicklable result in the child process: {payload!r}")
        data = pickle.dumps(("raise", (RuntimeError, failed.args, {}, ""), seen))
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(data)


def _rebuild(
    cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any], text: str
) -> Exception:
    """The child's exception, with its traceback attached as a note."""
    exc = cls.__new__(cls)
    exc.args = args
    vars(exc).update(state)
    if text:
        exc.add_note(f"raised in the solving process:\n{text}")
    return exc


def solve_isolated(
    problem: Problem, options: SolveOptions, *, timeout_s: float = 30.0, **kwargs: Any
) -> Plan:
    """``solve(problem, options, **kwargs)`` in a forked child; see the module docstring."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            faulthandler.disable()  # a crash here is reported by the parent, not dumped
            os.close(read_fd)
            _child(write_fd, problem, options, kwargs)
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise SolverHung(f"solve did not return within {timeout_s} s")
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise SolverCrashed(f"the solving process died from {name}")
    kind, payload, seen = pickle.loads(b"".join(chunks))
    for category, message in seen:
        warnings.warn(message, category, stacklevel=2)
    if kind == "raise":
        raise _rebuild(*payload)
    assert isinstance(payload, Plan)
    return payload
