"""What every benchmark script shares: machine and commit facts, JSON output, option types."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dispatch._argtypes import int_at_least

REPO_ROOT = Path(__file__).resolve().parents[1]

Row = dict[str, Any]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO_ROOT), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def machine_info() -> Row:
    """What the numbers were measured on."""

    def version(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "dispatch": version("dispatch"),
        "ortools": version("ortools"),
    }


def git_info() -> Row:
    """The commit measured, and whether the work tree had changes to tracked files."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def write_json(data: Row, path: Path) -> None:
    """Write ``data`` to ``path`` atomically (a ``.tmp`` file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


#: An integer >= 1 (argparse type), as the command line reads it.
positive_int = int_at_least(1)


def courier_errand_size(text: str) -> tuple[int, int]:
    """argparse type for a size ``COURIERSxERRANDS`` (``2000x5000``)."""
    try:
        couriers, errands = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected COURIERSxERRANDS, got {text!r}") from None
    if couriers < 1 or errands < 1:
        raise argparse.ArgumentTypeError(f"sizes must be >= 1, got {text!r}")
    return couriers, errands


def print_table(rows: Sequence[Row], columns: Sequence[str]) -> None:
    """Print ``rows`` as a right-aligned table of ``columns``."""
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row.get(c, "")).rjust(w) for c, w in zip(columns, widths, strict=True)))
