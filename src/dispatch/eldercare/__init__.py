"""The elder-care programme: hot meals from canteens and partner restaurants, and daily check-ins.

Community elder canteens (长者食堂) and partner restaurants (爱心餐桌) cook;
elders who cannot come in get their meals at home, hot; elders living alone
are checked on every day by someone passing (窗帘行动).

- Model: :class:`Kitchen` (with a :class:`SlotService` per :class:`Slot`),
  :class:`Elder` (with a :class:`Subscription`, a
  :class:`CheckInEnrolment` and a :class:`Contact`).
- A day: :func:`plan_day` turns subscriptions into meal orders
  (:func:`meal_orders`), gives each a kitchen (:func:`assign_kitchens`),
  and routes meals and check-ins together with the core solver; what
  cannot be served is an :class:`Issue` per elder. :func:`day_kpis` sums
  it up; :func:`plan_day_per_kitchen` is the naive per-kitchen baseline.
- Outputs: :func:`route_sheets` as text (:func:`sheet_text`), CSV
  (:func:`write_csv`), printable HTML (:func:`write_html`), and a PNG map
  (:func:`plot_day`, needs the ``plot`` extra).
- Check-ins: :class:`CheckInRecord` s of outcomes and
  :func:`checkin_alerts` for staff.
- Synthetic districts: :func:`eldercare_district`.
"""

from dispatch.eldercare._assign import Issue, IssueReason, KitchenAssignment, assign_kitchens
from dispatch.eldercare._baseline import plan_day_per_kitchen
from dispatch.eldercare._checkins import (
    DEFAULT_GRACE_S,
    AlertKind,
    CheckInAlert,
    CheckInOutcome,
    CheckInRecord,
    checkin_alerts,
)
from dispatch.eldercare._day import DayOptions, DayPlan, plan_day
from dispatch.eldercare._district import PROGRAMME, ElderCareDistrict, eldercare_district
from dispatch.eldercare._elder import (
    EVERY_DAY,
    WEEKDAYS,
    CheckInEnrolment,
    Contact,
    Elder,
    Subscription,
)
from dispatch.eldercare._html import sheet_html, sheets_html, write_html
from dispatch.eldercare._kitchen import DIETS, Kitchen, KitchenKind, Slot, SlotService
from dispatch.eldercare._kpis import DayKpis, day_kpis
from dispatch.eldercare._map import plot_day
from dispatch.eldercare._orders import DayOrders, MealOrder, meal_orders
from dispatch.eldercare._parts import Part
from dispatch.eldercare._sheets import (
    CSV_COLUMNS,
    Action,
    RouteSheet,
    SheetLine,
    route_sheets,
    sheet_csv,
    sheet_text,
    write_csv,
)
from dispatch.eldercare._tasks import CHECKIN_KIND, MEAL_KIND

__all__ = [
    "CHECKIN_KIND",
    "CSV_COLUMNS",
    "DEFAULT_GRACE_S",
    "DIETS",
    "EVERY_DAY",
    "MEAL_KIND",
    "PROGRAMME",
    "WEEKDAYS",
    "Action",
    "AlertKind",
    "CheckInAlert",
    "CheckInEnrolment",
    "CheckInOutcome",
    "CheckInRecord",
    "Contact",
    "DayKpis",
    "DayOptions",
    "DayOrders",
    "DayPlan",
    "Elder",
    "ElderCareDistrict",
    "Issue",
    "IssueReason",
    "Kitchen",
    "KitchenAssignment",
    "KitchenKind",
    "MealOrder",
    "Part",
    "RouteSheet",
    "SheetLine",
    "Slot",
    "SlotService",
    "Subscription",
    "assign_kitchens",
    "checkin_alerts",
    "day_kpis",
    "eldercare_district",
    "meal_orders",
    "plan_day",
    "plan_day_per_kitchen",
    "plot_day",
    "route_sheets",
    "sheet_csv",
    "sheet_html",
    "sheet_text",
    "sheets_html",
    "write_csv",
    "write_html",
]
