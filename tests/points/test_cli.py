"""``dispatch points``, ``ranking`` and ``report`` on a SQLite store of the summer history.

The commands are run through a parser built from :func:`add_parser`, as
:mod:`dispatch.cli` builds it; once ``dispatch.cli`` registers them, the
tests at the end also run them through :func:`dispatch.cli.main` (exit codes,
one-line errors).
"""

from __future__ import annotations

import argparse
import io
import shutil
import struct
from pathlib import Path

import pytest
from tests.points.town import RULES_TOML, rate_summer, summer

import dispatch.cli
from dispatch.errors import DispatchError, FormatError, InvalidInputError, UnknownReferenceError
from dispatch.points import _cli
from dispatch.store import SQLiteEventStore


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the rated summer (nothing awarded yet), built once."""
    path = tmp_path_factory.mktemp("template") / "events.sqlite"
    with SQLiteEventStore(path) as store:
        summer(store)
        rate_summer(store)
    return path


@pytest.fixture
def files(template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(store, rules): a fresh copy of the template store and the test rules file."""
    store = tmp_path / "events.sqlite"
    shutil.copy(template, store)
    rules = tmp_path / "points.toml"
    rules.write_text(RULES_TOML, encoding="utf-8")
    return store, rules


def parser() -> argparse.ArgumentParser:
    """A parser with the three commands, as dispatch.cli registers them."""
    top = argparse.ArgumentParser(prog="dispatch")
    add_parser = _cli.add_parser
    add_parser(top.add_subparsers(dest="command", required=True))
    return top


def run(*argv: str | Path) -> str:
    """Run one command; its standard output."""
    out, err = io.StringIO(), io.StringIO()
    args = parser().parse_args([str(a) for a in argv])
    assert _cli.run(args, out, err) == 0
    assert err.getvalue() == ""
    return out.getvalue()


def fails(*argv: str | Path) -> DispatchError:
    """Run one command that must fail; its error (whose message is one line)."""
    with pytest.raises(DispatchError) as caught:
        run(*argv)
    assert "\n" not in str(caught.value)
    return caught.value


def test_points_awards_once_and_shows_balances(files: tuple[Path, Path]) -> None:
    """--award books 7 tasks and 3 ratings (108 points); running it again books nothing."""
    store, rules = files
    before = run("points", "--store", store)
    assert "no ledger entries yet" in before
    assert "Not awarded yet: 7 delivered task(s), 3 rating(s)" in before
    text = run("points", "--store", store, "--rules", rules, "--award")
    assert text.splitlines() == [
        "Awarded 7 delivered task(s) and 3 rating(s): 108 point(s).",
        "Points balances (积分)",
        "  courier  balance  work  rewards  entries",
        "  c2            51    51        0        4",
        "  c1            43    43        0        5",
        "  c3            14    14        0        1",
    ]
    again = run("points", "--store", store, "--rules", rules, "--award")
    assert again.startswith("Awarded 0 delivered task(s) and 0 rating(s): 0 point(s).")


def test_points_ledger_of_a_courier_has_a_running_balance(files: tuple[Path, Path]) -> None:
    """--courier lists the entries in order with the balance after each and the breakdown."""
    store, rules = files
    run("points", "--store", store, "--rules", rules, "--award")
    lines = run("points", "--store", store, "--rules", rules, "--courier", "c3").splitlines()
    assert lines[0] == "Ledger of c3"
    assert lines[1].split() == ["seq", "booked", "earned", "entry", "points", "balance", "note"]
    assert lines[2].split()[3:] == [
        "2026-07-02",
        "09:20",
        "award:t3",
        "+14",
        "14",
        "kind:meal",
        "+5,",
        "on_time",
        "+5,",
        "elder",
        "+4",
    ]
    assert run("points", "--store", store, "--courier", "c9").splitlines()[1] == "  no entries"


def test_points_reverse_books_a_correction_once(files: tuple[Path, Path]) -> None:
    """--reverse takes t7's 15 points from c2; the same command again books nothing new."""
    store, rules = files
    run("points", "--store", store, "--rules", rules, "--award")
    argv = ("points", "--store", store, "--reverse", "award:t7", "--reason", "twice", "--by", "s1")
    text = run(*argv)
    assert text.startswith("Correction booked: reverse:award:t7 (-15).")
    assert "  c2            36    36" in text
    assert run(*argv).startswith("Correction was booked before: reverse:award:t7 (-15).")
    rescored = run(
        "points",
        "--store",
        store,
        "--rules",
        rules,
        "--reverse",
        "award:t4",
        "--reason",
        "r",
        "--rescore",
    )
    assert rescored.startswith("Correction booked: reverse:award:t4 (-10), award:t4:2 (+10).")


def test_ranking_of_a_quarter_and_recording_its_award(files: tuple[Path, Path]) -> None:
    """The Q3 table of xinhua, then --record books the top two's rewards once."""
    store, rules = files
    run("points", "--store", store, "--rules", rules, "--award")
    argv = ("ranking", "--store", store, "--rules", rules, "--quarter", "2026Q3")
    lines = run(*argv, "--community", "xinhua").splitlines()
    assert lines[:6] == [
        "Ranking 2026Q3 (2026-07-01 to 2026-09-30), community xinhua",
        "  rank  courier  points  tasks  reached",
        "     1  c2           36      2  2026-08-10 11:30",
        "     2  c1           28      2  2026-07-03 20:00",
        "     3  c3           14      1  2026-07-02 09:20",
        "Award 2026Q3:community:xinhua (top 2, 50 points): c2, c1",
    ]
    assert "Equal points share a rank (1, 1, 3)" in lines[-1]
    assert "Rewards booked: 2 entry(ies)." in run(*argv, "--community", "xinhua", "--record")
    assert "Rewards" not in run(*argv, "--district", "xuhui")  # shown, not booked
    recorded = run(*argv, "--community", "xinhua", "--record")
    assert "Rewards were booked before: 2 entry(ies)." in recorded


def test_ranking_of_a_year_gives_the_awards_per_category(files: tuple[Path, Path]) -> None:
    """--year ranks food and parcel couriers apart; --record books 200 points to each winner."""
    store, rules = files
    run("points", "--store", store, "--rules", rules, "--award")
    text = run("ranking", "--store", store, "--rules", rules, "--year", "2026", "--record")
    assert "Award 2026:food (top 1, 200 points): c1" in text
    assert "Award 2026:parcel (top 1, 200 points): c2" in text
    balances = run("points", "--store", store)
    assert "  c2           251    51      200" in balances


def test_report_prints_and_writes_csv_and_png(files: tuple[Path, Path], tmp_path: Path) -> None:
    """The report table, a CSV and a PNG, with the origin given on the command line."""
    pytest.importorskip("matplotlib")
    store, _ = files
    csv_path, png_path = tmp_path / "report.csv", tmp_path / "report.png"
    text = run(
        "report",
        "--store",
        store,
        "--origin",
        "2026-07-01",
        "--community",
        "xinhua",
        "--from",
        "2026-07-01",
        "--to",
        "2026-09-30",
        "--csv",
        csv_path,
        "--png",
        png_path,
        "--top",
        "2",
    )
    assert "  delivered           5 (83.3 %)" in text
    assert "  order to delivery   median 45 min, 90th percentile 90 min" in text
    assert "  points issued       0 (rewards 0)" in text  # nothing awarded yet
    assert text.rstrip().endswith(f"Wrote the CSV {csv_path}; the charts {png_path}.")
    assert "summary,requested,6" in csv_path.read_text(encoding="utf-8")
    assert struct.unpack(">4s", png_path.read_bytes()[12:16]) == (b"IHDR",)


@pytest.mark.parametrize(
    ("argv", "error", "words"),
    [
        (("points", "--store", "{tmp}/none.sqlite"), InvalidInputError, "no such event store"),
        (("points", "--store", "{store}", "--award"), InvalidInputError, "--award needs"),
        (("points", "--store", "{store}", "--reverse", "x"), InvalidInputError, "--reason"),
        (
            ("points", "--store", "{store}", "--rules", "{tmp}/no.toml"),
            FormatError,
            "cannot read",
        ),
        (
            ("ranking", "--store", "{store}", "--quarter", "2026Q3"),
            InvalidInputError,
            "calendar.origin",
        ),
        (
            ("ranking", "--store", "{store}", "--year", "2026", "--community", "xinhua"),
            InvalidInputError,
            "per courier category",
        ),
        (
            (
                "ranking",
                "--store",
                "{store}",
                "--rules",
                "{rules}",
                "--quarter",
                "2026Q3",
                "--district",
                "minhang",
            ),
            UnknownReferenceError,
            "minhang",
        ),
        (
            (
                "report",
                "--store",
                "{store}",
                "--rules",
                "{rules}",
                "--community",
                "xinhua",
                "--from",
                "2026-09-30",
                "--to",
                "2026-07-01",
            ),
            InvalidInputError,
            "is before --from",
        ),
        (
            (
                "report",
                "--store",
                "{store}",
                "--rules",
                "{rules}",
                "--community",
                "xinhua",
                "--from",
                "2026-07-01",
                "--to",
                "2026-07-02",
                "--csv",
                "{tmp}/no/r.csv",
            ),
            InvalidInputError,
            "its folder does not exist",
        ),
    ],
    ids=[
        "missing-store",
        "award-without-rules",
        "reverse-without-reason",
        "missing-rules",
        "no-origin",
        "year-with-community",
        "unknown-district",
        "backwards-period",
        "csv-folder",
    ],
)
def test_errors_are_typed_and_one_line(
    files: tuple[Path, Path],
    tmp_path: Path,
    argv: tuple[str, ...],
    error: type[DispatchError],
    words: str,
) -> None:
    """Bad input is a DispatchError of the right type whose message is one line."""
    store, rules = files
    filled = [a.format(store=store, rules=rules, tmp=tmp_path) for a in argv]
    caught = fails(*filled)
    assert isinstance(caught, error)
    assert words in str(caught)


@pytest.mark.parametrize("quarter", ["2026Q5", "2026-3", "Q3"])
def test_bad_quarters_are_usage_errors(files: tuple[Path, Path], quarter: str) -> None:
    """A quarter not written YYYYQn is refused by the parser (exit code 2)."""
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(["ranking", "--store", str(files[0]), "--quarter", quarter])
    assert stop.value.code == 2


# --------------------------------------------------------------------------- through dispatch.cli


def _hooked() -> bool:
    top = dispatch.cli._parser()
    choices = [a.choices for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return any("report" in (c or {}) for c in choices)


needs_hook = pytest.mark.skipif(
    not _hooked(), reason="dispatch.cli does not register the points commands yet"
)


@needs_hook
def test_main_runs_the_commands(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """dispatch points/ranking/report exit 0 through dispatch.cli.main."""
    store, rules = files
    assert (
        dispatch.cli.main(["points", "--store", str(store), "--rules", str(rules), "--award"]) == 0
    )
    argv = ["ranking", "--store", str(store), "--rules", str(rules), "--quarter", "2026Q3"]
    assert dispatch.cli.main(argv) == 0
    argv = [
        "report",
        "--store",
        str(store),
        "--rules",
        str(rules),
        "--community",
        "xinhua",
        "--from",
        "2026-07-01",
        "--to",
        "2026-07-31",
    ]
    assert dispatch.cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "Awarded 7 delivered task(s)" in out and "Community report: xinhua" in out


@needs_hook
def test_main_reports_errors_on_one_line_with_exit_code_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A missing store and a bad rules file are one line on stderr, exit code 2."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[points]\ndefault = -1\n", encoding="utf-8")
    for argv in (
        ["points", "--store", str(tmp_path / "none.sqlite")],
        ["points", "--store", str(files[0]), "--rules", str(bad)],
        ["ranking", "--store", str(files[0]), "--quarter", "2026Q9"],
    ):
        assert dispatch.cli.main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("dispatch")
