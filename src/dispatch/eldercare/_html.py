"""Route sheets as printable, self-contained HTML pages (standard library only).

Every piece of text from the data (names, addresses, notes, ids) goes
through :func:`html.escape`, so a note such as ``<script>`` prints as text
and never runs. The page has no scripts, no external files and no links;
its stylesheet prints each sheet on its own page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from dispatch.eldercare._assign import clock
from dispatch.eldercare._sheets import PROFILE_NAMES, Action, RouteSheet, file_stem

__all__ = ["sheet_html", "sheets_html", "write_html"]

_STYLE = """
body { font-family: "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5em; }
h1 { font-size: 1.3em; margin-bottom: 0.2em; }
p.meta { margin-top: 0; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #888; padding: 0.25em 0.4em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr.deliver td.do { font-weight: bold; }
tr.check-in td.do { font-weight: bold; color: #05507a; }
td.done { width: 2.5em; }
section.sheet { page-break-after: always; break-after: page; }
@media print { body { margin: 0.5cm; } th { background: #ddd !important; } }
"""

_COLUMNS = ("#", "arrive", "start", "leave", "do", "where", "who", "meal", "window", "carry",
            "note", "done")  # fmt: skip


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _section(sheet: RouteSheet) -> str:
    rows = []
    for seq, line in enumerate(sheet.lines, start=1):
        meal = f"{line.slot} ({line.diets})" if line.diets else line.slot
        if line.action is Action.PICK_UP:
            meal = f"{line.meals} × {line.slot}"
        who = line.elder_name + (f" · {line.community}" if line.community else "")
        cells = (
            seq,
            clock(line.arrive_s),
            clock(line.start_s),
            clock(line.depart_s),
            line.action.value,
            line.place,
            who,
            meal,
            line.window,
            line.carried,
            line.note,
        )
        tds = "".join(
            f'<td class="do">{_e(c)}</td>' if k == 4 else f"<td>{_e(c)}</td>"
            for k, c in enumerate(cells)
        )
        css = line.action.value.replace(" ", "-")
        if line.action is Action.CHECK_IN:
            css = "check-in"
        rows.append(f'<tr class="{_e(css)}">{tds}<td class="done">☐</td></tr>')
    head = "".join(f"<th>{_e(c)}</th>" for c in _COLUMNS)
    return (
        '<section class="sheet">\n'
        f"<h1>Route sheet · {_e(sheet.courier_id)}</h1>\n"
        f'<p class="meta">{_e(f"{sheet.day:%A %Y-%m-%d}")} · {_e(PROFILE_NAMES[sheet.profile])} · '
        f"shift {_e(sheet.shift)} · {sheet.meals} meal(s), {sheet.checkins} check-in(s), "
        f"{sheet.distance_m / 1000:.1f} km</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</section>"
    )


def sheets_html(sheets: Sequence[RouteSheet], title: str = "Route sheets") -> str:
    """One printable HTML page holding every sheet (each printed on its own page).

    Examples
    --------
    >>> import datetime
    >>> from dispatch.eldercare._sheets import SheetLine
    >>> from dispatch.model import TravelProfile
    >>> line = SheetLine(arrive_s=39600, start_s=39600, depart_s=39720, action=Action.DELIVER,
    ...                  place="Bldg 7", elder_name="Grandma Li", note="<script>alert(1)</script>")
    >>> sheet = RouteSheet(courier_id="v1", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=0, meals=1, checkins=0)
    >>> page = sheets_html([sheet])
    >>> "<script>" in page, "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    (False, True)
    """
    body = "\n".join(_section(s) for s in sheets)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def sheet_html(sheet: RouteSheet) -> str:
    """One courier's sheet as a printable HTML page.

    Examples
    --------
    >>> import datetime
    >>> from dispatch.eldercare._sheets import SheetLine
    >>> from dispatch.model import TravelProfile
    >>> line = SheetLine(arrive_s=0, start_s=0, depart_s=0, action=Action.START, place="start")
    >>> sheet = RouteSheet(courier_id="v1", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=0, meals=0, checkins=0)
    >>> "<title>Route sheet · v1 · 2026-12-01</title>" in sheet_html(sheet)
    True
    """
    return sheets_html([sheet], title=f"Route sheet · {sheet.courier_id} · {sheet.day}")


def write_html(sheets: Sequence[RouteSheet], directory: str | Path) -> list[Path]:
    """Write ``<courier>.html`` per sheet and ``index.html`` with all of them; return the paths.

    The index holds every sheet itself (print it once for the whole day),
    so no page links to another.

    Examples
    --------
    >>> import datetime, tempfile
    >>> from dispatch.eldercare._sheets import SheetLine
    >>> from dispatch.model import TravelProfile
    >>> line = SheetLine(arrive_s=0, start_s=0, depart_s=0, action=Action.START, place="start")
    >>> sheet = RouteSheet(courier_id="v1", day=datetime.date(2026, 12, 1),
    ...                    profile=TravelProfile.WALK, shift="08:00-13:00", lines=(line,),
    ...                    distance_m=0, meals=0, checkins=0)
    >>> [p.name for p in write_html([sheet], tempfile.mkdtemp())]
    ['v1.html', 'index.html']
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = {"index"}
    paths = []
    for sheet in sheets:
        path = folder / f"{file_stem(sheet.courier_id, taken)}.html"
        path.write_text(sheet_html(sheet), encoding="utf-8")
        paths.append(path)
    index = folder / "index.html"
    day = sheets[0].day if sheets else ""
    index.write_text(sheets_html(sheets, title=f"Route sheets {day}"), encoding="utf-8")
    paths.append(index)
    return paths
