"""Points (积分), rankings, residents' feedback and community reports, on the dispatcher's store.

Volunteers earn points for completed work; each quarter the community ranks
them and rewards the best; residents rate the service; staff see whether the
loop closes. Everything is read from, and booked into, the dispatcher's own
event store (:mod:`dispatch.store`), next to its events. Modules, one idea each:

- :mod:`~dispatch.points._calendar` -- :class:`Period` (days, quarters, years) on the store's clock.
- :mod:`~dispatch.points._entries` -- the ledger's vocabulary: :class:`LedgerEntry`,
  :class:`Feedback`, their event kinds.
- :mod:`~dispatch.points._history` -- :func:`read_history`: what the store says happened.
- :mod:`~dispatch.points._rules` -- :class:`PointsConfig` and its TOML file (:func:`load_config`).
- :mod:`~dispatch.points._ledger` -- booking: :func:`award_pending`, :func:`award_task`,
  :func:`reverse_entry`; :func:`balances`.
- :mod:`~dispatch.points._feedback` -- :func:`rate_task`.
- :mod:`~dispatch.points._ranking` -- :func:`ranking`, :func:`quarter_award`,
  :func:`annual_awards`, :func:`record_award`.
- :mod:`~dispatch.points._report` -- :func:`community_report` as text and CSV;
  :mod:`~dispatch.points._plot` -- as PNG charts (the ``plot`` extra).
- :mod:`~dispatch.points._cli` -- ``dispatch points``, ``dispatch ranking``, ``dispatch report``.

Examples
--------
A resident orders groceries, a courier delivers them, the resident rates the
delivery, and the courier's points are booked, ranked and reported:

>>> import datetime
>>> from dispatch import Location, MatrixTravel
>>> from dispatch.incidental import CourierPlan
>>> from dispatch.online import Actor, Contact, Dispatcher, ManualClock, ServiceMenu
>>> from dispatch.store import MemoryEventStore
>>> travel = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 60, 120], [60, 0, 60],
...                                                     [120, 60, 0]])
>>> store, clock = MemoryEventStore(), ManualClock(36_000)
>>> d = Dispatcher.open(store, travel=travel, clock=clock,
...                     menus=[ServiceMenu.from_dict("xinhua", {"groceries": {}})])
>>> rider, wang = Actor.courier("c1"), Actor.resident("r1", "xinhua")
>>> _ = d.go_online(rider, CourierPlan(courier_id="c1", position=Location(node=0),
...                                    now_s=36_000, shift_end_s=43_200, capacity=2),
...                 category="food")
>>> task = d.order(wang, kind="groceries", pickup=Location(node=1), dropoff=Location(node=2),
...                contact=Contact("Wang", "138", "Lane 1")).task_id
>>> for step in (d.accept, d.pick_up, d.deliver):
...     _ = step(rider, task)
...     _ = clock.advance(600)
>>> rate_task(store, wang, task, 5, "quick and kind", recorded_s=clock.now_s()).rating
5
>>> config = config_from_dict({
...     "calendar": {"origin": datetime.date(2026, 7, 1)},
...     "points": {"kinds": {"groceries": 10}, "on_time_bonus": 5,
...                "rating_bonus": {"5": 3}}})
>>> summary = award_pending(store, config.rules, recorded_s=clock.now_s())
>>> [(e.id, e.points) for e in summary.entries]
[('award:t1', 15), ('rating:t1', 3)]
>>> award_pending(store, config.rules, recorded_s=clock.now_s()).entries  # idempotent
()
>>> history = read_history(store)
>>> history.balance("c1"), balances(history)[0]
(18, Balance(courier_id='c1', balance=18, work=18, rewards=0, entries=2))
>>> board = ranking(history, config, Period.quarter("2026Q3"), community="xinhua")
>>> [(s.rank, s.courier_id, s.points, s.tasks) for s in board.standings]
[(1, 'c1', 18, 1)]
>>> award = annual_awards(history, config, 2026)[0]
>>> award.id, [s.courier_id for s in award.winners]
('2026:all', ['c1'])
>>> staff = Actor.staff("s1", "xinhua")
>>> booking = reverse_entry(store, "rating:t1", reason="rated by mistake", actor=staff,
...                         recorded_s=clock.now_s())
>>> [(e.id, e.points) for e in booking.entries], read_history(store).balance("c1")
([('reverse:rating:t1', -3)], 15)
>>> report = community_report(read_history(store), config, "xinhua",
...                           Period.days(datetime.date(2026, 7, 1), datetime.date(2026, 7, 1)))
>>> report.requested, report.delivered, report.median_s, report.mean_rating, report.points_issued
(1, 1, 1200.0, 5.0, 15)
>>> print(report_text(report, config.origin))
Community report: xinhua, 2026-07-01 to 2026-07-01
  requests ordered    1
  delivered           1 (100.0 %)
  order to delivery   median 20 min, 90th percentile 20 min
  escalated to staff  0
  ratings             1, mean 5.00
  points issued       15 (rewards 0)
<BLANKLINE>
Requests by kind
  kind       requested  delivered   served
  groceries          1          1  100.0 %
<BLANKLINE>
Top volunteers (points earned in the period)
  rank  courier  points  tasks  reached
     1  c1           15      1  2026-07-01 10:20

Awarding a task again is a duplicate; a quarter's award is booked once, as
ledger entries; the report can be written as CSV and drawn (matplotlib):

>>> award_task(store, task, config.rules, recorded_s=clock.now_s()).duplicate
True
>>> award = quarter_award(read_history(store), config, Period.quarter("2026Q3"),
...                       community="xinhua")
>>> [(e.id, e.points) for e in record_award(store, award, actor=staff,
...                                         recorded_s=clock.now_s()).entries]
[('reward:2026Q3:community:xinhua:c1', 0)]
>>> record_award(store, award, actor=staff, recorded_s=clock.now_s()).duplicate
True
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_report_csv(report, folder / "xinhua.csv").read_text().splitlines()[:2]
['section,item,value', 'summary,requested,1']
>>> plot_report(report, folder / "xinhua.png")  # doctest: +SKIP
PosixPath('.../xinhua.png')
>>> import shutil; shutil.rmtree(folder)

Sharing the log: the dispatcher's fold skips the ledger's events, so a
dispatcher (re)opened on the store carries on. A dispatcher that was running
while the ledger appended does not see those events: its next command fails
with :class:`~dispatch.store.ConcurrencyError` (nothing is written) until it
is reopened.

>>> Dispatcher.open(store, travel=travel, clock=clock).state.tasks[task].state.value
'delivered'
"""

from dispatch.points._calendar import Period
from dispatch.points._entries import (
    LEDGER_KINDS,
    EntryKind,
    Feedback,
    LedgerEntry,
    PointsItem,
    Source,
)
from dispatch.points._feedback import (
    MAX_COMMENT_CHARS,
    AlreadyRatedError,
    NotDeliveredError,
    rate_task,
)
from dispatch.points._history import History, TaskFacts, read_history
from dispatch.points._ledger import (
    AwardSummary,
    Balance,
    Booking,
    award_pending,
    award_task,
    balances,
    reverse_entry,
)
from dispatch.points._plot import plot_report
from dispatch.points._ranking import (
    Award,
    Ranking,
    Standing,
    annual_awards,
    quarter_award,
    ranking,
    record_award,
)
from dispatch.points._report import (
    CommunityReport,
    KindCount,
    community_report,
    report_text,
    write_report_csv,
)
from dispatch.points._rules import (
    AwardRule,
    PointsConfig,
    PointsRules,
    config_from_dict,
    load_config,
)

__all__ = [
    "LEDGER_KINDS",
    "MAX_COMMENT_CHARS",
    "AlreadyRatedError",
    "Award",
    "AwardRule",
    "AwardSummary",
    "Balance",
    "Booking",
    "CommunityReport",
    "EntryKind",
    "Feedback",
    "History",
    "KindCount",
    "LedgerEntry",
    "NotDeliveredError",
    "Period",
    "PointsConfig",
    "PointsItem",
    "PointsRules",
    "Ranking",
    "Source",
    "Standing",
    "TaskFacts",
    "annual_awards",
    "award_pending",
    "award_task",
    "balances",
    "community_report",
    "config_from_dict",
    "load_config",
    "plot_report",
    "quarter_award",
    "ranking",
    "rate_task",
    "read_history",
    "record_award",
    "report_text",
    "reverse_entry",
    "write_report_csv",
]
