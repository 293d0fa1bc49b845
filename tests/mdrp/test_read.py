"""The MDRP reader: every public instance parses; bad files fail naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.mdrp.tiny import PARAMETERS, hand_instance, public_instances, write_instance

from dispatch.errors import FormatError
from dispatch.mdrp import INSTANCE_FILES, read_mdrp


def test_every_public_instance_parses() -> None:
    """All instance folders present parse, with the counts their characteristics file states."""
    root = public_instances()
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    orders = 0
    for folder in folders:
        instance = read_mdrp(folder)
        stated = dict(
            line.split(":", 1)
            for line in (folder / "instance_characteristics.txt").read_text().splitlines()[:3]
        )
        assert len(instance.orders) == int(stated["number of orders"]), folder.name
        assert len(instance.restaurants) == int(stated["number of restaurants"]), folder.name
        assert len(instance.couriers) == int(stated["number of couriers"]), folder.name
        assert instance.name == folder.name
        orders += len(instance.orders)
    assert folders and orders > 0


def test_hand_instance_in_seconds(tmp_path: Path) -> None:
    """Minutes become seconds; parameters are read by name; restaurants are resolved."""
    instance = read_mdrp(hand_instance(tmp_path))
    p = instance.parameters
    assert (p.meters_per_minute, p.pickup_service_s, p.dropoff_service_s) == (320, 240, 240)
    assert (p.target_click_to_door_s, p.max_click_to_door_s) == (2400, 5400)
    assert (p.pay_per_order, p.guaranteed_pay_per_hour) == (10, 15)
    o2 = instance.order("o2")
    assert (o2.placement_s, o2.ready_s, o2.x_m, o2.y_m) == (300, 720, 0, 960)
    assert instance.restaurant_of(o2).id == "r1"
    assert [(c.on_s, c.off_s) for c in instance.couriers] == [(0, 7200), (1800, 5400)]
    assert instance.courier_hours == 3.0


@pytest.mark.parametrize(
    ("file", "text", "line", "words"),
    [
        ("orders.txt", "order\tx\ty\tplaced\trestaurant\tready_time\n", 1, "header"),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t3\tr1\n",
            2,
            "6 tab-separated fields",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\n\no1\t1\tnorth\t3\tr1\t4\n",
            3,
            "y must be a number",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t3.5\tr1\t4\n",
            2,
            "whole number of minutes",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t30\tr1\t4\n",
            2,
            "before it is placed",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\no1\t1\t2\t3\tr9\t4\n",
            2,
            "unknown restaurant 'r9'",
        ),
        (
            "orders.txt",
            "order\tx\ty\tplacement_time\trestaurant\tready_time\n"
            "o1\t1\t2\t3\tr1\t4\no1\t1\t2\t3\tr1\t4\n",
            3,
            "'o1' repeats",
        ),
        (
            "couriers.txt",
            "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t60\t60\n",
            2,
            "not after on duty",
        ),
        (
            "couriers.txt",
            "courier\tx\ty\ton_time\toff_time\nc1\t0\t0\t-5\t60\n",
            2,
            "whole number of minutes >= 0",
        ),
        ("restaurants.txt", "restaurant\tx\ty\nr1\tinf\t0\n", 2, "x must be finite"),
        (
            "instance_parameters.txt",
            PARAMETERS.replace("\t40\t90", "\t40\t30"),
            2,
            "below the target",
        ),
        ("instance_parameters.txt", PARAMETERS.replace("320\t", "0\t"), 2, "must be > 0"),
        (
            "instance_parameters.txt",
            PARAMETERS + PARAMETERS.splitlines()[1] + "\n",
            None,
            "exactly one data row",
        ),
    ],
)
def test_bad_rows_name_file_and_line(
    tmp_path: Path, file: str, text: str, line: int | None, words: str
) -> None:
    """A malformed file raises FormatError with its path, the line number and the rule."""
    folder = hand_instance(tmp_path)
    (folder / file).write_text(text)
    with pytest.raises(FormatError) as caught:
        read_mdrp(folder)
    err = caught.value
    assert err.source == str(folder / file)
    assert err.line == line
    assert words in err.message


@pytest.mark.parametrize("missing", INSTANCE_FILES)
def test_missing_file_is_named(tmp_path: Path, missing: str) -> None:
    """A folder without one of the four files names the file it lacks."""
    folder = hand_instance(tmp_path)
    (folder / missing).unlink()
    with pytest.raises(FormatError, match=missing):
        read_mdrp(folder)


def test_not_a_folder(tmp_path: Path) -> None:
    """A path that is no directory is refused as such."""
    with pytest.raises(FormatError, match="not a directory"):
        read_mdrp(tmp_path / "nowhere")


def test_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    """Blank lines are skipped but still counted, so errors point at the editor's line."""
    folder = write_instance(
        tmp_path / "x",
        restaurants=[("r1", 0, 0)],
        orders=[("o1", 0, 0, 0, "r1", 1)],
        couriers=[("c1", 0, 0, 0, 10)],
    )
    (folder / "couriers.txt").write_text(
        "courier\tx\ty\ton_time\toff_time\n\nc1\t0\t0\t0\t10\n\nc2\t0\t0\t9\t1\n"
    )
    with pytest.raises(FormatError) as caught:
        read_mdrp(folder)
    assert caught.value.line == 5
