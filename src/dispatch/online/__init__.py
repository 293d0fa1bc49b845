"""The online dispatcher: residents' orders, community dispatch, couriers' acceptance.

The engine runs all day as requests arrive and couriers come and go. Its
state is a fold of events kept in a durable :mod:`dispatch.store`; every
command is idempotent by its id, and nothing is acknowledged before it is
stored. Modules, one idea each:

- :mod:`~dispatch.online._clock` -- :class:`Clock`, :class:`SystemClock`, :class:`ManualClock`.
- :mod:`~dispatch.online._menu` -- the service menu (点单): :class:`ServiceMenu`, :class:`MenuItem`.
- :mod:`~dispatch.online._roles` -- :class:`Actor`, :class:`Role` and who may do what.
- :mod:`~dispatch.online._lifecycle` -- task states, actions and the transition table.
- :mod:`~dispatch.online._records` -- the records the state holds.
- :mod:`~dispatch.online._codec` -- their JSON (event payloads, snapshots).
- :mod:`~dispatch.online._events` -- the event vocabulary and payload builders.
- :mod:`~dispatch.online._state` -- :class:`DispatchState`; :mod:`~dispatch.online._apply`
  -- :func:`apply`, the fold.
- :mod:`~dispatch.online._planner` -- planning couriers and candidate ranking (the matcher).
- :mod:`~dispatch.online._views` -- privacy-aware views and the staff queue.
- :mod:`~dispatch.online._dispatcher` -- :class:`Dispatcher`, the commands.
"""

from dispatch.online._apply import apply
from dispatch.online._clock import Clock, ManualClock, SystemClock
from dispatch.online._dispatcher import HAZARD_VISIT_KIND, Dispatcher
from dispatch.online._errors import (
    CourierFullError,
    InvalidTransitionError,
    PermissionDeniedError,
)
from dispatch.online._events import EVENT_KINDS
from dispatch.online._lifecycle import TRANSITIONS, Action, TaskState, transition
from dispatch.online._menu import MenuItem, ServiceMenu, load_menus, menus_from_dict
from dispatch.online._options import DispatchOptions
from dispatch.online._outcome import Outcome
from dispatch.online._records import Alert, Contact, CourierRecord, HazardTicket, Offer, TaskRecord
from dispatch.online._roles import Actor, Role
from dispatch.online._state import DispatchState
from dispatch.online._views import QueueEntry, TaskView, approximate

__all__ = [
    "EVENT_KINDS",
    "HAZARD_VISIT_KIND",
    "TRANSITIONS",
    "Action",
    "Actor",
    "Alert",
    "Clock",
    "Contact",
    "CourierFullError",
    "CourierRecord",
    "DispatchOptions",
    "DispatchState",
    "Dispatcher",
    "HazardTicket",
    "InvalidTransitionError",
    "ManualClock",
    "MenuItem",
    "Offer",
    "Outcome",
    "PermissionDeniedError",
    "QueueEntry",
    "Role",
    "ServiceMenu",
    "SystemClock",
    "TaskRecord",
    "TaskState",
    "TaskView",
    "apply",
    "approximate",
    "load_menus",
    "menus_from_dict",
    "transition",
]
