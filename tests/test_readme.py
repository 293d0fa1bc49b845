"""The README's Python example and its set-up commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of the README runs without error (in a scratch directory)."""
    monkeypatch.chdir(tmp_path)  # examples may write files (the dispatcher's store)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run reads its command from the README's test-command block, which exists."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- test-command -->\s*```sh\n(.+)\n```", text)
    assert match is not None
    assert "pytest" in match.group(1)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci
