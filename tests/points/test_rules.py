"""The points rules file: what it reads, and errors that name the offending key."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.points.town import RULES_TOML

from dispatch.errors import FormatError, InvalidInputError
from dispatch.online import TaskState
from dispatch.points import AwardRule, PointsRules, TaskFacts, config_from_dict, load_config


def test_the_example_file_reads_back_every_setting(tmp_path: Path) -> None:
    """Every table and key of the test rules file ends up in the configuration."""
    path = tmp_path / "points.toml"
    path.write_text(RULES_TOML, encoding="utf-8")
    config = load_config(path)
    assert config.origin == datetime.date(2026, 7, 1)
    assert config.rules == PointsRules(
        kinds={"groceries": 10, "medicine": 12},
        default=5,
        on_time_bonus=5,
        priority_at_least=2,
        priority_bonus=3,
        elder_kinds=["meal"],
        elder_bonus=4,
        rating_bonus={4: 1, 5: 3},
    )
    assert config.districts == {"xuhui": frozenset({"xinhua", "tianlin"})}
    assert config.quarter_award == AwardRule(top=2, points=50)
    assert config.year_award == AwardRule(top=1, points=200, courier_kinds=("food", "parcel"))


def test_an_empty_file_gives_nothing_for_anything() -> None:
    """Absent keys: no points, no bonuses, no origin, no districts, awards of 0 points."""
    config = config_from_dict({})
    task = TaskFacts(
        id="t1",
        community="x",
        kind="meal",
        priority=9,
        resident_id=None,
        created_s=0,
        deadline_s=10,
        state=TaskState.DELIVERED,
        delivered_s=5,
        courier_id="c1",
    )
    assert sum(i.points for i in config.rules.score(task)) == 0
    assert (config.origin, dict(config.districts), config.year_award.points) == (None, {}, 0)


def test_bonuses_add_up_for_an_elder_meal_of_high_priority_on_time() -> None:
    """Kind points + on-time + priority + elder bonuses, itemised in that order."""
    rules = PointsRules(
        kinds={"meal": 8},
        on_time_bonus=2,
        priority_at_least=2,
        priority_bonus=3,
        elder_kinds=["meal"],
        elder_bonus=5,
    )
    task = TaskFacts(
        id="t1",
        community="x",
        kind="meal",
        priority=3,
        resident_id="r1",
        created_s=0,
        deadline_s=100,
        state=TaskState.DELIVERED,
        delivered_s=100,
        courier_id="c1",
    )
    items = [(i.rule, i.points) for i in rules.score(task)]
    assert items == [("kind:meal", 8), ("on_time", 2), ("priority:3", 3), ("elder", 5)]


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"point": {}}, "point", "unknown key"),
    ({"points": {"bonus": 1}}, "points.bonus", "unknown key"),
    ({"points": []}, "points", "expected a table"),
    ({"points": {"default": -1}}, "points.default", "must be an int >= 0, got -1"),
    ({"points": {"on_time_bonus": True}}, "points.on_time_bonus", "must be an int >= 0"),
    ({"points": {"on_time_bonus": 1.5}}, "points.on_time_bonus", "must be an int >= 0"),
    ({"points": {"priority_at_least": 0}}, "points.priority_at_least", "must be an int >= 1"),
    ({"points": {"elder_kinds": "meal"}}, "points.elder_kinds", "expected a list"),
    ({"points": {"elder_kinds": ["meal", ""]}}, "points.elder_kinds", "non-empty strings"),
    ({"points": {"kinds": {"water": "ten"}}}, "points.kinds.water", "must be an int >= 0"),
    ({"points": {"kinds": [1]}}, "points.kinds", "expected a table"),
    ({"points": {"rating_bonus": {"6": 1}}}, "points.rating_bonus.6", "unknown key"),
    ({"points": {"rating_bonus": {"5": -3}}}, "points.rating_bonus.5", "must be an int >= 0"),
    ({"calendar": {"origin": "2026-07-01"}}, "calendar.origin", "must be a date"),
    (
        {"calendar": {"origin": datetime.datetime(2026, 7, 1, 8)}},
        "calendar.origin",
        "must be a date",
    ),
    ({"calendar": {"start": 1}}, "calendar.start", "unknown key"),
    ({"districts": {"xuhui": "xinhua"}}, "districts.xuhui", "expected a list"),
    ({"districts": {"a": ["x"], "b": ["x"]}}, "districts.b", "is in district 'a' already"),
    ({"awards": {"month": {}}}, "awards.month", "unknown key"),
    ({"awards": {"year": {"top": 0}}}, "awards.year.top", "must be an int >= 1, got 0"),
    ({"awards": {"quarter": {"points": -5}}}, "awards.quarter.points", "must be an int >= 0"),
    (
        {"awards": {"quarter": {"courier_kinds": ["food"]}}},
        "awards.quarter.courier_kinds",
        "unknown",
    ),
    ({"awards": {"year": {"courier_kinds": "food"}}}, "awards.year.courier_kinds", "expected a"),
]


@pytest.mark.parametrize(("data", "key", "message"), BAD, ids=[key for _, key, _ in BAD])
def test_invalid_settings_name_the_key(data: dict[str, Any], key: str, message: str) -> None:
    """Each malformed setting is an InvalidInputError whose field is the TOML key."""
    with pytest.raises(InvalidInputError) as caught:
        config_from_dict(data)
    assert caught.value.field == key
    assert message in caught.value.message


def test_file_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    """A bad value read from a file names the file and the key."""
    path = tmp_path / "points.toml"
    path.write_text("[points.kinds]\ngroceries = -2\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_config(path)
    assert caught.value.field == f"{path}: points.kinds.groceries"


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    """Invalid TOML is a FormatError with the file and the line number."""
    path = tmp_path / "points.toml"
    path.write_text("[points]\ndefault = 10\non_time_bonus = = 5\n", encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        load_config(path)
    assert (caught.value.source, caught.value.line) == (str(path), 3)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    """A rules file that does not exist is reported with its path."""
    with pytest.raises(FormatError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_rules_built_in_code_are_checked_too() -> None:
    """PointsRules refuses negative points and stars outside 1..5, naming the field."""
    with pytest.raises(InvalidInputError, match=r"PointsRules.kinds\['water'\]"):
        PointsRules(kinds={"water": -1})
    with pytest.raises(InvalidInputError, match=r"PointsRules\.rating_bonus: stars"):
        PointsRules(rating_bonus={0: 1})
    with pytest.raises(InvalidInputError, match=r"AwardRule\.top"):
        AwardRule(top=0)
