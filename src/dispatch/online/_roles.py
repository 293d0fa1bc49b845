"""Who acts: :class:`Role` and :class:`Actor`, and the rules of who may do what.

- A **resident** acts on their own requests only (and reports hazards in
  their community).
- A **courier** acts on their own offers and tasks, and on their own
  presence (online, offline, position, plan).
- **Staff** act within their community: post and pin tasks, re-post
  escalated ones, cancel, handle alerts and hazard tickets.
- An **admin** may do everything, everywhere.

The checks here return a refusal reason (``str``) or None; the dispatcher
turns a reason into a recorded :class:`~dispatch.online.PermissionDeniedError`.
Reasons name roles and ids only, never personal data.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from dispatch.errors import InvalidInputError
from dispatch.model._checks import identifier

__all__ = ["Actor", "Role"]


class Role(enum.Enum):
    """What an actor is to the platform.

    Examples
    --------
    >>> Role("staff") is Role.STAFF
    True
    """

    RESIDENT = "resident"
    COURIER = "courier"
    STAFF = "staff"
    ADMIN = "admin"


def _to_role(value: Role | str) -> Role:
    try:
        return value if isinstance(value, Role) else Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInputError("Actor.role", f"{value!r} is not one of {choices}") from None


def _community(instance: Actor, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        if instance.role in (Role.RESIDENT, Role.STAFF):
            raise InvalidInputError(
                f"Actor.community (id {instance.id!r})", f"a {instance.role.value} needs one"
            )
        return
    identifier(instance, attribute, value)


@attrs.frozen
class Actor:
    """Someone issuing a command or asking for a view.

    Parameters
    ----------
    role
        Resident, courier, staff or admin.
    id
        The resident's, courier's or staff member's stable id (never a name
        or phone number: ids appear in the audit log).
    community
        The community a resident lives in or staff serve; couriers and admins
        may have none.

    Examples
    --------
    >>> Actor("staff", "s1", "xinhua")
    Actor(role=<Role.STAFF: 'staff'>, id='s1', community='xinhua')
    >>> Actor.courier("c7").label
    'courier:c7'
    >>> Actor("resident", "r1")
    Traceback (most recent call last):
    ...
    dispatch.errors.InvalidInputError: Actor.community (id 'r1'): a resident needs one
    """

    role: Role = attrs.field(converter=_to_role)
    id: str = attrs.field(validator=identifier)
    community: str | None = attrs.field(default=None, validator=_community)

    @classmethod
    def resident(cls, id: str, community: str) -> Actor:
        """A resident of ``community``."""
        return cls(Role.RESIDENT, id, community)

    @classmethod
    def courier(cls, id: str, community: str | None = None) -> Actor:
        """A courier (optionally attached to a community)."""
        return cls(Role.COURIER, id, community)

    @classmethod
    def staff(cls, id: str, community: str) -> Actor:
        """A staff member of ``community``."""
        return cls(Role.STAFF, id, community)

    @classmethod
    def admin(cls, id: str) -> Actor:
        """An administrator."""
        return cls(Role.ADMIN, id)

    @property
    def label(self) -> str:
        """``role:id``, as it appears in errors and the audit log."""
        return f"{self.role.value}:{self.id}"

    def manages(self, community: str) -> bool:
        """True for an admin, and for staff of ``community``."""
        return self.role is Role.ADMIN or (self.role is Role.STAFF and self.community == community)


def staff_reason(actor: Actor, community: str) -> str | None:
    """Why ``actor`` may not act as staff of ``community`` (None = allowed)."""
    if actor.manages(community):
        return None
    if actor.role is Role.STAFF:
        return f"staff of {actor.community!r} do not manage {community!r}"
    return f"a {actor.role.value} cannot act as staff"


def courier_self_reason(actor: Actor, courier_id: str) -> str | None:
    """Why ``actor`` may not act for courier ``courier_id`` (only they, or an admin, may)."""
    if actor.role is Role.ADMIN or (actor.role is Role.COURIER and actor.id == courier_id):
        return None
    return f"only courier {courier_id!r} (or an admin) may do this"
