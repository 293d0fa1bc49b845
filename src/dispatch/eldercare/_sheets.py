"""Route sheets for couriers: :func:`route_sheets` as data, then text and CSV.

A sheet lists a courier's stops in order with times, what to do there,
the elder's name, address, diets, window and note, and the meals carried.
Meals collected at one kitchen in a row make one "pick up" line. The HTML
page is in :mod:`dispatch.eldercare._html`.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from dispatch.eldercare._assign import clock
from dispatch.eldercare._day import DayPlan
from dispatch.eldercare._tasks import CHECKIN_KIND
from dispatch.model import TravelProfile
from dispatch.plan import PlannedStop, StopRole

__all__ = [
    "CSV_COLUMNS",
    "PROFILE_NAMES",
    "Action",
    "RouteSheet",
    "SheetLine",
    "file_stem",
    "route_sheets",
    "sheet_csv",
    "sheet_text",
    "write_csv",
]


class Action(enum.Enum):
    """What the courier does at a stop."""

    START = "start"
    PICK_UP = "pick up"
    DELIVER = "deliver"
    CHECK_IN = "check in"
    OWN = "own stop"
    END = "end"


@attrs.frozen(kw_only=True)
class SheetLine:
    """One line of a route sheet (times in seconds from midnight)."""

    arrive_s: int
    start_s: int
    depart_s: int
    action: Action
    place: str
    elder_id: str = ""
    elder_name: str = ""
    community: str = ""
    slot: str = ""
    diets: str = ""
    window: str = ""
    note: str = ""
    meals: int = 0
    """Meals collected (pick up) or handed over (deliver) here."""
    carried: int = 0
    """Meals carried when leaving."""
    task_ids: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class RouteSheet:
    """A courier's sheet for the day."""

    courier_id: str
    day: datetime.date
    profile: TravelProfile
    shift: str
    lines: tuple[SheetLine, ...]
    distance_m: int
    meals: int
    checkins: int


PROFILE_NAMES = {
    TravelProfile.WALK: "on foot",
    TravelProfile.BIKE: "bike",
    TravelProfile.EBIKE: "e-bike",
    TravelProfile.CAR: "car",
}


def _window_text(windows: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"{clock(a)}-{clock(b)}" for a, b in windows)


def _line(day: DayPlan, stop: PlannedStop) -> SheetLine:
    line = SheetLine(
        arrive_s=stop.arrival_s,
        start_s=stop.start_s,
        depart_s=stop.departure_s,
        action=Action.START,
        place="start",
        carried=stop.load_after[0] if stop.load_after else 0,
    )
    if stop.role is StopRole.START:
        return line
    if stop.role is StopRole.END:
        return attrs.evolve(line, action=Action.END, place="end")
    if stop.role is StopRole.OWN:
        return attrs.evolve(line, action=Action.OWN, place=stop.ref, note="own work")
    elder = day.elder_of(stop.ref)
    address = elder.address or f"home of {elder.name}"
    task = day.problem.task(stop.ref)
    if task.kind == CHECKIN_KIND and elder.checkin is not None:
        window = elder.checkin.window
        return attrs.evolve(
            line,
            action=Action.CHECK_IN,
            place=address,
            window=_window_text([(window.earliest_s, window.latest_s)]),
            note=elder.note,
            elder_id=elder.id,
            elder_name=elder.name,
            community=elder.community,
            task_ids=(stop.ref,),
        )
    order = day.meal_orders[stop.ref]
    kitchen = day.kitchen_of(stop.ref)
    diets = ", ".join(sorted(order.diets)) or "regular"
    if stop.role is StopRole.PICKUP:
        return attrs.evolve(
            line,
            action=Action.PICK_UP,
            place=kitchen.label if kitchen is not None else "kitchen",
            slot=order.slot.value,
            note=f"{elder.name} ({diets})",
            meals=1,
            task_ids=(stop.ref,),
        )
    return attrs.evolve(
        line,
        action=Action.DELIVER,
        place=address,
        slot=order.slot.value,
        diets=diets,
        window=_window_text([(order.window.earliest_s, order.window.latest_s)]),
        note=elder.note,
        meals=1,
        elder_id=elder.id,
        elder_name=elder.name,
        community=elder.community,
        task_ids=(stop.ref,),
    )


def _merge_pickups(lines: Sequence[SheetLine]) -> list[SheetLine]:
    """Consecutive pickups at one kitchen become one line (first arrival, last departure)."""
    out: list[SheetLine] = []
    for line in lines:
        last = out[-1] if out else None
        if (
            last is not None
            and line.action is Action.PICK_UP
            and last.action is Action.PICK_UP
            and last.place == line.place
        ):
            out[-1] = attrs.evolve(
                last,
                depart_s=line.depart_s,
                meals=last.meals + line.meals,
                carried=line.carried,
                note=f"{last.note}; {line.note}",
                task_ids=(*last.task_ids, *line.task_ids),
                slot=last.slot if last.slot == line.slot else f"{last.slot}, {line.slot}",
            )
        else:
            out.append(line)
    return out


def route_sheets(day: DayPlan) -> tuple[RouteSheet, ...]:
    """A sheet per route of the day, in the order of the plan's routes.

    Examples
    --------
    >>> from dispatch.eldercare import DayOptions, eldercare_district, plan_day
    >>> from dispatch import SolveOptions
    >>> d = eldercare_district(seed=1, scale=0.02)
    >>> day = plan_day(d.day, kitchens=d.kitchens, elders=d.elders, couriers=d.couriers,
    ...                travel=d.travel, options=DayOptions(solve=SolveOptions(
    ...                    time_limit_s=None, solution_limit=20, metaheuristic="greedy_descent")))
    >>> sheets = route_sheets(day)
    >>> sheets[0].lines[0].action, sheets[0].lines[-1].action
    (<Action.START: 'start'>, <Action.END: 'end'>)
    >>> sum(s.meals for s in sheets) == sum(1 for _ in day.plan.assigned_task_ids()) - sum(
    ...     s.checkins for s in sheets)
    True
    """
    sheets = []
    for route in day.plan.routes:
        courier = day.problem.courier(route.courier_id)
        lines = _merge_pickups([_line(day, stop) for stop in route.stops])
        sheets.append(
            RouteSheet(
                courier_id=courier.id,
                day=day.day,
                profile=courier.profile,
                shift=f"{clock(courier.shift.earliest_s)}-{clock(courier.shift.latest_s)}",
                lines=tuple(lines),
                distance_m=route.distance_m,
                meals=sum(1 for line in lines if line.action is Action.DELIVER),
                checkins=sum(1 for line in lines if line.action is Action.CHECK_IN),
            )
        )
    return tuple(sheets)


# --------------------------------------------------------------------------- text


def _width(text: str) -> int:
    """Terminal columns (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, columns: int) -> str:
    """At most ``columns`` terminal columns, an ellipsis marking a cut."""
    if _width(text) <= columns:
        return text
    out, used = "", 0
    for ch in text:
        if used + _width(ch) > columns - 1:
            break
        out += ch
        used += _width(ch)
    return out.rstrip() + "…"


_TEXT_HEAD = ("arrive", "start", "leave", "do", "where", "who", "meal", "window", "carry", "note")
_NOTE_COLUMNS = 60


def heading(sheet: RouteSheet) -> str:
    """``Route sheet of staff-001: Tue 2026-12-01, e-bike, shift 10:30-13:30``."""
    return (
        f"Route sheet of {sheet.courier_id}: {sheet.day:%a %Y-%m-%d}, "
        f"{PROFILE_NAMES[sheet.profile]}, shift {sheet.shift}"
    )


def sheet_text(sheet: RouteSheet) -> str:
    """The sheet as an aligned plain-text table (CJK-aware), notes clipped to 60 columns.

    Examples
    --------
    >>> line = SheetLine(arrive_s=39600, start_s=39600, depart_s=39720, action=Action.DELIVER,
    ...                  place="Bldg 7, Room 302", elder_name="Grandma Li", slot="lunch",
    ...                  diets="soft", window="11:00-12:30", note="knock loudly", meals=1)
    >>> sheet = RouteSheet(courier_id="v1", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=1200, meals=1, checkins=0)
    >>> print(sheet_text(sheet))
    Route sheet of v1: Tue 2026-12-01, on foot, shift 08:00-13:00
    1 meal, 0 check-ins, 1.2 km
      arrive  start  leave  do       where             who         meal          window  ...
      11:00   11:00  11:02  deliver  Bldg 7, Room 302  Grandma Li  lunch (soft)  11:00-12:30 ...
    """
    rows = [list(_TEXT_HEAD)]
    for line in sheet.lines:
        meal = f"{line.slot} ({line.diets})" if line.diets else line.slot
        if line.action is Action.PICK_UP:
            meal = f"{line.meals} x {line.slot}"
        rows.append(
            [
                clock(line.arrive_s),
                clock(line.start_s),
                clock(line.depart_s),
                line.action.value,
                line.place,
                line.elder_name,
                meal,
                line.window,
                str(line.carried),
                _clip(line.note, _NOTE_COLUMNS),
            ]
        )
    widths = [max(_width(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = [
        heading(sheet),
        f"{sheet.meals} meal{'' if sheet.meals == 1 else 's'}, {sheet.checkins} check-in"
        f"{'' if sheet.checkins == 1 else 's'}, {sheet.distance_m / 1000:.1f} km",
    ]
    for row in rows:
        cells = [cell + " " * (widths[c] - _width(cell)) for c, cell in enumerate(row)]
        out.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "courier_id",
    "date",
    "seq",
    "arrive",
    "start",
    "leave",
    "start_s",
    "action",
    "place",
    "elder_id",
    "elder_name",
    "community",
    "slot",
    "diets",
    "window",
    "meals",
    "carried",
    "note",
    "task_ids",
)
"""Columns of :func:`sheet_csv`, in order."""

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA) else text


def sheet_csv(sheet: RouteSheet) -> str:
    """The sheet as CSV text with a header row (:data:`CSV_COLUMNS`).

    Text cells starting like a spreadsheet formula (``=``, ``+``, ``-``,
    ``@``) get a leading apostrophe, so a note cannot run in a spreadsheet.

    Examples
    --------
    >>> line = SheetLine(arrive_s=0, start_s=0, depart_s=0, action=Action.START, place="start",
    ...                  note="=HYPERLINK(1)")
    >>> sheet = RouteSheet(courier_id="v1", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=0, meals=0, checkins=0)
    >>> print(sheet_csv(sheet).splitlines()[1])
    v1,2026-12-01,1,00:00,00:00,00:00,0,start,start,,,,,,,0,0,'=HYPERLINK(1),
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for seq, line in enumerate(sheet.lines, start=1):
        writer.writerow(
            [
                sheet.courier_id,
                sheet.day.isoformat(),
                seq,
                clock(line.arrive_s),
                clock(line.start_s),
                clock(line.depart_s),
                line.start_s,
                line.action.value,
                _cell(line.place),
                line.elder_id,
                _cell(line.elder_name),
                _cell(line.community),
                line.slot,
                line.diets,
                line.window,
                line.meals,
                line.carried,
                _cell(line.note),
                " ".join(line.task_ids),
            ]
        )
    return buffer.getvalue()


def file_stem(courier_id: str, taken: set[str]) -> str:
    """A safe, unique file name stem for a courier id (adds to ``taken``).

    >>> taken = set()
    >>> file_stem("staff/001", taken), file_stem("staff:001", taken)
    ('staff_001', 'staff_001-2')
    """
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", courier_id).strip(".") or "courier"
    unique, n = stem, 1
    while unique in taken:
        n += 1
        unique = f"{stem}-{n}"
    taken.add(unique)
    return unique


def write_csv(sheets: Sequence[RouteSheet], directory: str | Path) -> list[Path]:
    """Write one ``<courier>.csv`` per sheet into ``directory`` (created); return the paths.

    Examples
    --------
    >>> import tempfile
    >>> line = SheetLine(arrive_s=0, start_s=0, depart_s=0, action=Action.START, place="start")
    >>> sheet = RouteSheet(courier_id="vol/7", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=0, meals=0, checkins=0)
    >>> [p.name for p in write_csv([sheet], tempfile.mkdtemp())]
    ['vol_7.csv']
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    paths = []
    for sheet in sheets:
        path = folder / f"{file_stem(sheet.courier_id, taken)}.csv"
        path.write_text(sheet_csv(sheet), encoding="utf-8")
        paths.append(path)
    return paths
