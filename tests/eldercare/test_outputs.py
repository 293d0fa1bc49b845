"""Route sheets as text, CSV and HTML, the PNG map, the KPIs and the ``dispatch meals`` command."""

from __future__ import annotations

import csv
import importlib
import io
import struct
from pathlib import Path

import attrs
import pytest
from tests.eldercare.world import MONDAY, TRAVEL, H, at, courier, elder, kitchen

from dispatch import SolveOptions
from dispatch.cli import main
from dispatch.eldercare import (
    CSV_COLUMNS,
    Action,
    DayOptions,
    DayPlan,
    day_kpis,
    plan_day,
    plot_day,
    route_sheets,
    sheet_csv,
    sheet_text,
    write_csv,
    write_html,
)

MALICIOUS_NOTE = '<script>alert("x")</script> & =cmd|calc'
MALICIOUS_NAME = '<img src=x onerror="alert(1)">'
COUNTED = SolveOptions(time_limit_s=None, solution_limit=20, metaheuristic="greedy_descent")


@pytest.fixture(scope="module")
def day() -> DayPlan:
    """A planned day whose elders' notes and names try to inject HTML and spreadsheet formulas."""
    bad = attrs.evolve(
        elder("bad", at(500, 200), diets=["soft"], checkin=(10 * H, 12 * H), note=MALICIOUS_NOTE),
        name=MALICIOUS_NAME,
    )
    elders = [bad, elder("b", at(700, -100)), elder("c", at(-400, 300), lunch=(11 * H, 12 * H))]
    return plan_day(
        MONDAY,
        kitchens=[kitchen("canteen", at(0, 0), diets=["soft"])],
        elders=elders,
        couriers=[courier("rider", at(0, 0), shift=(10 * H, 14 * H))],
        travel=TRAVEL,
        options=DayOptions(solve=COUNTED, meals_per_zone=None),
    )


def test_sheets_list_every_stop_in_order_with_meals_carried(day: DayPlan) -> None:
    """One sheet per route; pickups at one kitchen merge; deliveries and check-ins carry notes."""
    (sheet,) = route_sheets(day)
    actions = [line.action for line in sheet.lines]
    assert actions[0] is Action.START and actions[-1] is Action.END
    assert actions.count(Action.DELIVER) == 3 and actions.count(Action.CHECK_IN) == 1
    assert sum(line.meals for line in sheet.lines if line.action is Action.PICK_UP) == 3
    carried = [line.carried for line in sheet.lines]
    assert max(carried) <= 6 and carried[-1] == 0
    starts = [line.start_s for line in sheet.lines]
    assert starts == sorted(starts)
    delivery = next(line for line in sheet.lines if line.elder_id == "bad" and line.slot)
    assert delivery.note == MALICIOUS_NOTE and delivery.diets == "soft"
    assert delivery.window == "11:00-13:00"
    text = sheet_text(sheet)
    assert text.startswith("Route sheet of rider: Mon 2026-11-30, e-bike, shift 10:00-14:00")
    assert "3 meals, 1 check-in" in text


def test_csv_has_the_documented_columns_and_defuses_formulas(day: DayPlan, tmp_path: Path) -> None:
    """CSV rows follow CSV_COLUMNS, one per sheet line; a leading '=' gets an apostrophe."""
    (sheet,) = route_sheets(day)
    rows = list(csv.reader(io.StringIO(sheet_csv(sheet))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(sheet.lines) + 1
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["seq"] for r in records] == [str(k) for k in range(1, len(records) + 1)]
    assert {r["action"] for r in records} >= {"start", "pick up", "deliver", "check in", "end"}
    bad = next(r for r in records if r["elder_id"] == "bad")
    assert bad["note"] == MALICIOUS_NOTE  # starts with '<': not a formula
    (path,) = write_csv([sheet], tmp_path / "csv")
    assert path.name == "rider.csv" and path.read_text(encoding="utf-8") == sheet_csv(sheet)
    risky = attrs.evolve(sheet, lines=(attrs.evolve(sheet.lines[1], note="=1+2", place="+x"),))
    row = dict(zip(CSV_COLUMNS, list(csv.reader(io.StringIO(sheet_csv(risky))))[1], strict=True))
    assert row["note"] == "'=1+2" and row["place"] == "'+x"


def test_html_escapes_user_text_and_is_self_contained(day: DayPlan, tmp_path: Path) -> None:
    """The printable page escapes a malicious note and name, and loads nothing from outside."""
    paths = write_html(route_sheets(day), tmp_path / "html")
    assert sorted(p.name for p in paths) == ["index.html", "rider.html"]
    for path in paths:
        page = path.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert "<script" not in page and "<img" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; =cmd|calc" in page
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
        assert "http" not in page and "src=" not in page.replace("&lt;img src=x", "")
        assert "@media print" in page


def test_png_map_has_a_png_signature_and_the_asked_size(day: DayPlan, tmp_path: Path) -> None:
    """The map is a PNG file (signature, IHDR first) of size_in * dpi pixels each way."""
    pytest.importorskip("matplotlib")
    path = plot_day(day, tmp_path / "day.png", size_in=4.0, dpi=50)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    assert (length, kind) == (13, b"IHDR")
    assert (width, height) == (200, 200)
    assert data.endswith(b"IEND\xaeB`\x82")


def test_map_without_matplotlib_names_the_plot_extra(
    day: DayPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without matplotlib, plot_day raises ImportError telling to install dispatch[plot]."""
    real = importlib.import_module

    def no_matplotlib(name: str, package: str | None = None) -> object:
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError("No module named 'matplotlib'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_matplotlib)
    with pytest.raises(ImportError, match=r"dispatch\[plot\]"):
        plot_day(day, tmp_path / "day.png")
    assert not (tmp_path / "day.png").exists()


def test_kpis_count_meals_rides_and_checkins(day: DayPlan) -> None:
    """KPIs: all three meals and the check-in planned, rides within the limit, none late."""
    k = day_kpis(day)
    assert (k.meals_ordered, k.meals_delivered, k.meals_not_delivered) == (3, 3, 0)
    assert (k.checkins_due, k.checkins_planned) == (1, 1)
    assert 0 < k.mean_ride_s <= k.max_ride_s <= 1800 and k.over_limit == 0
    assert k.late_deliveries == 0 and k.couriers_used == 1 and k.distance_m > 0
    assert "meals delivered: 3 of 3" in k.summary()
    assert set(k.as_dict()) >= {"meals_delivered", "mean_ride_s", "late_deliveries"}


def test_late_tolerance_counts_late_deliveries() -> None:
    """With a tolerance, a delivery after the preferred window is allowed and counted as late."""
    elders = [elder("e", at(3000, 0), lunch=(10 * H, 11 * H + 300))]
    kwargs = {
        "kitchens": [kitchen("k", at(0, 0))],
        "elders": elders,
        "couriers": [courier("r", at(0, 0), shift=(10 * H, 14 * H))],
        "travel": TRAVEL,
    }
    strict = plan_day(MONDAY, options=DayOptions(solve=COUNTED), **kwargs)  # type: ignore[arg-type]
    assert day_kpis(strict).meals_delivered == 0
    late = plan_day(
        MONDAY,
        options=DayOptions(solve=COUNTED, late_tolerance_s=1800),
        **kwargs,  # type: ignore[arg-type]
    )
    k = day_kpis(late)
    assert (k.meals_delivered, k.late_deliveries) == (1, 1)


def test_meals_command_prints_sheets_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dispatch meals` plans a small district, prints sheets and KPIs, writes CSV and HTML."""
    code = main(
        ["meals", "--scale", "0.02", "--seed", "3", "--time-limit", "2",
         "--csv", str(tmp_path / "csv"), "--html", str(tmp_path / "html")]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "checked: no rule broken" in out and "meals delivered:" in out
    assert "Route sheet of" in out
    assert list((tmp_path / "csv").glob("*.csv")) and (tmp_path / "html" / "index.html").exists()


def test_meals_command_reports_bad_options_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A map in a missing folder or a bad scale exits 2 with one line on stderr."""
    assert main(["meals", "--map", str(tmp_path / "nope" / "map.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "its folder does not exist" in err[0] or "matplotlib" in err[0]
    assert main(["meals", "--scale", "0"]) == 2
    assert "must be in (0, 2]" in capsys.readouterr().err
