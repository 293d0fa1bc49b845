"""Locating the benchmark data (``DISPATCH_BENCHMARKS``) and parametrising over its files.

A test that takes ``lilim_file``, ``solomon_file`` or ``sartori_file`` runs once
per instance file of that set; a test that takes ``benchmarks`` gets the data
folder. Both skip, saying where they looked, when the data is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# fixture name -> (sub-folder, glob of its instance files)
_SETS = {
    "lilim_file": ("lilim", "l*.txt"),
    "solomon_file": ("solomon", "*.txt"),
    "sartori_file": ("sartori", "*-n*-*.txt"),
}


def benchmarks_dir() -> Path:
    """``$DISPATCH_BENCHMARKS``, by default ``../shared/benchmarks`` next to the repository."""
    return Path(os.environ.get("DISPATCH_BENCHMARKS", REPO_ROOT.parent / "shared" / "benchmarks"))


def _missing(folder: Path) -> str:
    return f"benchmark data not found at {folder} (set DISPATCH_BENCHMARKS)"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``<set>_file`` arguments over the instance files of that set."""
    for argname, (sub, pattern) in _SETS.items():
        if argname not in metafunc.fixturenames:
            continue
        folder = benchmarks_dir() / sub
        files = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if files:
            metafunc.parametrize(argname, files, ids=[f.stem for f in files])
        else:
            skip = pytest.mark.skip(reason=_missing(folder))
            metafunc.parametrize(argname, [pytest.param(None, marks=skip)], ids=["absent"])


@pytest.fixture
def benchmarks() -> Path:
    """The benchmark data folder; skips the test when it is absent."""
    folder = benchmarks_dir()
    if not folder.is_dir():
        pytest.skip(_missing(folder))
    return folder


@pytest.fixture
def benchmark_file(benchmarks: Path) -> Callable[[str], Path]:
    """``benchmark_file("lilim/lc101.txt")``: that data file; skips the test when it is absent."""

    def _file(relative: str) -> Path:
        path = benchmarks / relative
        if not path.is_file():
            pytest.skip(_missing(path))
        return path

    return _file
