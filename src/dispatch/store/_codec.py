"""Input checks and JSON encoding shared by every event store.

Both stores keep payloads as JSON *text* and decode a fresh copy on every
read, so a caller can neither mutate a stored event nor observe a difference
between the in-memory and the SQLite store (tuples come back as lists in both).

Examples
--------
>>> from dispatch.store._events import NewEvent, Snapshot
>>> prepared = prepare_append(
...     "c1", [NewEvent("task.submitted", {"task": "t1"})], recorded_s=60, command=None,
...     expected_last_seq=None,
... )
>>> prepared.events
(('task.submitted', '{"task":"t1"}'),)
>>> decode_json(prepared.events[0][1])
{'task': 't1'}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.store._events import NewEvent, Snapshot

__all__ = [
    "PreparedAppend",
    "check_seq",
    "check_snapshot_seq",
    "decode_json",
    "encode_json",
    "is_unicode",
    "prepare_append",
    "prepare_snapshot",
]


class _NotJSONError(Exception):
    """A value that JSON cannot represent; ``where`` is its path inside the value."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


def _plain(value: object, where: str) -> object:
    """A copy of ``value`` made of dict, list, str, int, float, bool and None only."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJSONError(where, f"{value!r} is not a finite number")
        return value
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotJSONError(where, f"key {key!r} is not a string")
            out[key] = _plain(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray | memoryview):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise _NotJSONError(where, f"{type(value).__name__} value {value!r} is not JSON")


def encode_json(value: object, field: str, what: str = "value") -> str:
    """Compact JSON text for a mapping, or :class:`InvalidInputError` naming ``field``.

    ``what`` says whose value it is in the message (e.g. ``"event 'task.submitted'"``).

    Examples
    --------
    >>> encode_json({"at": [1, 2.5, None]}, "state")
    '{"at":[1,2.5,null]}'
    >>> encode_json({"x": float("nan")}, "state")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: state: value is not JSON-serialisable at ['x']: nan is ...
    """
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            field, f"{what} must be a JSON object (a mapping), got {type(value).__name__}"
        )
    try:
        plain = _plain(value, "")
    except _NotJSONError as exc:
        place = f" at {exc.where}" if exc.where else ""
        raise InvalidInputError(
            field, f"{what} is not JSON-serialisable{place}: {exc.reason}"
        ) from None
    except RecursionError:
        raise InvalidInputError(
            field, f"{what} is not JSON-serialisable: nested too deeply or cyclic"
        ) from None
    text = json.dumps(plain, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if not is_unicode(text):
        raise InvalidInputError(field, f"{what} is not JSON-serialisable: a lone surrogate in text")
    return text


def is_unicode(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (it has no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_json(text: str) -> dict[str, Any]:
    """Decode JSON text written by :func:`encode_json` (a fresh object each call)."""
    value = json.loads(text)
    if not isinstance(value, dict):  # only possible if the file was edited by hand
        raise ValueError(f"stored JSON is not an object: {text[:80]!r}")
    return value


def check_seq(value: object, field: str) -> int:
    """``value`` if it is a non-negative int (not a bool), else :class:`InvalidInputError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(field, f"must be a non-negative integer, got {value!r}")
    return value


@attrs.frozen
class PreparedAppend:
    """A checked append: events as ``(kind, payload JSON)`` and the command as JSON or None."""

    command_id: str
    events: tuple[tuple[str, str], ...]
    recorded_s: int
    command: str | None
    expected_last_seq: int | None


def prepare_append(
    command_id: object,
    events: object,
    *,
    recorded_s: object,
    command: object,
    expected_last_seq: object,
) -> PreparedAppend:
    """Check the arguments of :meth:`EventStore.append` and encode every payload.

    Raises :class:`InvalidInputError` naming the argument (and, for a payload,
    the event's index and kind) before anything is written.
    """
    if not isinstance(command_id, str) or not command_id or not is_unicode(command_id):
        raise InvalidInputError(
            "command_id", f"must be a non-empty Unicode string, got {command_id!r}"
        )
    if isinstance(events, str | bytes) or not isinstance(events, Sequence):
        raise InvalidInputError("events", f"must be a sequence of NewEvent, got {events!r}")
    encoded: list[tuple[str, str]] = []
    for i, event in enumerate(events):
        if not isinstance(event, NewEvent):
            raise InvalidInputError(f"events[{i}]", f"must be a NewEvent, got {event!r}")
        if not is_unicode(event.kind):
            raise InvalidInputError(f"events[{i}].kind", f"has a lone surrogate: {event.kind!r}")
        what = f"payload of event {event.kind!r}"
        encoded.append((event.kind, encode_json(event.payload, f"events[{i}].payload", what)))
    recorded = check_seq(recorded_s, "recorded_s")
    command_text = None if command is None else encode_json(command, "command", "command")
    expected = (
        None if expected_last_seq is None else check_seq(expected_last_seq, "expected_last_seq")
    )
    return PreparedAppend(command_id, tuple(encoded), recorded, command_text, expected)


def prepare_snapshot(snapshot: object) -> tuple[int, str]:
    """``(seq, state JSON)`` of a snapshot, or :class:`InvalidInputError`."""
    if not isinstance(snapshot, Snapshot):
        raise InvalidInputError("snapshot", f"must be a Snapshot, got {snapshot!r}")
    seq = check_seq(snapshot.seq, "snapshot.seq")
    return seq, encode_json(snapshot.state, "snapshot.state", "snapshot state")


def check_snapshot_seq(seq: int, last_seq: int) -> None:
    """Refuse a snapshot taken after the end of the log."""
    if seq > last_seq:
        raise InvalidInputError(
            "snapshot.seq", f"{seq} is after the last event of the store ({last_seq})"
        )
