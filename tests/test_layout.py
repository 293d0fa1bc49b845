"""Package layout rules that keep the OR-Tools translation layer thin and findable."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "dispatch"


def _imports_ortools(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "ortools" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ortools":
            return True
    return False


def test_only_ortools_modules_import_ortools() -> None:
    """Every module importing OR-Tools is named _ortools*.py, and the routing one exists."""
    importing = sorted(
        p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if _imports_ortools(p)
    )
    assert "solver/_ortools.py" in importing
    assert [p for p in importing if not Path(p).name.startswith("_ortools")] == []
