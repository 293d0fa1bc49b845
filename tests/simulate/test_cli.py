"""``dispatch simulate``: the district run with its table, JSON and PNG; the mdrp hand-off."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from dispatch.errors import InvalidInputError
from dispatch.simulate import SimulationProgress
from dispatch.simulate._cli import DayBar, add_parser, run


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with the simulate sub-command registered on a fresh parser."""
    parser = argparse.ArgumentParser(prog="dispatch")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["simulate", *argv])


def test_district_run_prints_the_table_and_writes_json_and_png(tmp_path: Path) -> None:
    """A tiny district's morning: the KPI table on stdout, JSON and PNG written, exit 0."""
    pytest.importorskip("matplotlib")
    out, err = io.StringIO(), io.StringIO()
    args = parse(["--instance", "tiny", "--hours", "3", "--seed", "2", "--no-meals",
                  "--json", str(tmp_path / "day.json"), "--png", str(tmp_path / "day.png"),
                  "--progress"])  # fmt: skip
    assert run(args, out, err) == 0
    text = out.getvalue()
    assert "errands ordered" in text and "Wrote KPIs in" in text
    assert "\rsimulating [" in err.getvalue() and err.getvalue().endswith("\n")
    data = json.loads((tmp_path / "day.json").read_text(encoding="utf-8"))
    assert data["end_s"] - data["start_s"] == 3 * 3600
    assert (tmp_path / "day.png").stat().st_size > 1000


def test_bad_outputs_fail_before_the_run(tmp_path: Path) -> None:
    """A missing folder or a PNG named otherwise is refused before anything is simulated."""
    with pytest.raises(InvalidInputError, match="folder"):
        run(parse(["--json", str(tmp_path / "no" / "day.json")]), io.StringIO(), io.StringIO())
    with pytest.raises(InvalidInputError, match="PNG"):
        run(parse(["--png", str(tmp_path / "day.jpg")]), io.StringIO(), io.StringIO())
    with pytest.raises(InvalidInputError, match="instance"):
        run(parse(["--instance", "huge"]), io.StringIO(), io.StringIO())


def test_hours_and_seed_are_checked_by_the_parser() -> None:
    """Hours must be in (0, 24] and the seed an int >= 0."""
    for argv in (["--hours", "0"], ["--hours", "x"], ["--seed", "-1"]):
        with pytest.raises(SystemExit):
            parse(argv)


def test_mdrp_unavailable_is_a_clear_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """When dispatch.mdrp cannot be imported, the mdrp scenario is a clear input error."""
    monkeypatch.setitem(sys.modules, "dispatch.mdrp", None)
    with pytest.raises(InvalidInputError, match="mdrp scenario not available"):
        run(parse(["--scenario", "mdrp", "--instance", "x"]), io.StringIO(), io.StringIO())


def tiny_mdrp() -> Any:
    """Two orders from one restaurant and one courier (the example of dispatch.mdrp.run_mdrp)."""
    from dispatch.mdrp import MdrpCourier, MdrpInstance, MdrpOrder, MdrpParameters, MdrpRestaurant

    p = MdrpParameters(meters_per_minute=320, pickup_service_s=240, dropoff_service_s=240,
                       target_click_to_door_s=2400, max_click_to_door_s=5400,
                       pay_per_order=10, guaranteed_pay_per_hour=15)  # fmt: skip
    return MdrpInstance(
        name="tiny",
        parameters=p,
        restaurants=[MdrpRestaurant(id="r1", x_m=0, y_m=0)],
        orders=[
            MdrpOrder(id=f"o{k}", x_m=640, y_m=0, placement_s=0, restaurant="r1", ready_s=600)
            for k in (1, 2)
        ],
        couriers=[MdrpCourier(id="c1", x_m=320, y_m=0, on_s=0, off_s=3600)],
    )


@pytest.mark.parametrize("policy", ["dispatch", "greedy"])
def test_mdrp_runs_the_instance_through_run_mdrp(
    policy: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The mdrp branch reads the folder, runs the policy, prints its summary, writes JSON/PNG."""
    pytest.importorskip("matplotlib")
    import dispatch.mdrp

    read: list[Path] = []

    def read_mdrp(folder: Path) -> Any:
        read.append(folder)
        return tiny_mdrp()

    monkeypatch.setattr(dispatch.mdrp, "read_mdrp", read_mdrp)
    out = io.StringIO()
    argv = ["--scenario", "mdrp", "--instance", "inst", "--policy", policy,
            "--json", str(tmp_path / "m.json"), "--png", str(tmp_path / "m.png"),
            "--no-progress"]  # fmt: skip
    assert run(parse(argv), out, io.StringIO()) == 0
    assert read == [Path("inst")]
    assert f"tiny ({policy}): 2 of 2 orders delivered" in out.getvalue()
    data = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert data["policy"] == policy and data["metrics"]["delivered"] == 2 and data["feasible"]
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_mdrp_refuses_district_only_flags_and_unknown_policies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--no-meals and --audit belong to the district; a policy run_mdrp does not know is refused."""
    import dispatch.mdrp

    monkeypatch.setattr(dispatch.mdrp, "read_mdrp", lambda folder: tiny_mdrp())
    with pytest.raises(InvalidInputError, match="--audit"):
        run(parse(["--scenario", "mdrp", "--instance", "x", "--audit"]), io.StringIO(),
            io.StringIO())  # fmt: skip
    with pytest.raises(InvalidInputError, match="policy"):
        run(parse(["--scenario", "mdrp", "--instance", "x", "--policy", "fastest"]),
            io.StringIO(), io.StringIO())  # fmt: skip


def test_bar_draws_one_line_and_ends_it() -> None:
    """The bar rewrites one line with carriage returns and ends it on close."""
    stream = io.StringIO()
    bar = DayBar(stream, width=4)
    bar(SimulationProgress(now_s=100, start_s=0, end_s=100, orders=1, delivered=0, done=True))
    bar.close()
    assert stream.getvalue() == "\rsimulating [####] 00:01 of 00:01, 1 orders, 0 delivered \n"
