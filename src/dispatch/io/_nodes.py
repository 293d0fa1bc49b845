"""Node rows shared by the benchmark formats, and the tasks built from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from dispatch.errors import InvalidInputError
from dispatch.io._text import Line, TextFile
from dispatch.model import Errand, Location, Stop
from dispatch.plan import StopRole

__all__ = ["NodeRow", "errands_from_pairs", "read_node_rows", "scaled_stop"]


@attrs.frozen
class NodeRow:
    """One node line: ``id x y demand earliest latest service [pickup delivery]``.

    ``x, y`` are the coordinates as written (Euclidean x/y or lat/lon). For
    Solomon rows ``pickup`` and ``delivery`` are 0.
    """

    line: Line
    id: int
    x: float
    y: float
    demand: int
    earliest: int
    latest: int
    service: int
    pickup: int = 0
    delivery: int = 0


_FIELDS = ("id", "x", "y", "demand", "earliest", "latest", "service", "pickup", "delivery")


def _node_row(line: Line, paired: bool) -> NodeRow:
    count = 9 if paired else 7
    fields = line.expect_fields(count, " ".join(_FIELDS[:count]))
    ints = {
        name: line.int_field(token, name)
        for name, token in zip(_FIELDS, fields, strict=False)
        if name not in ("x", "y")
    }
    x, y = line.float_field(fields[1], "x"), line.float_field(fields[2], "y")
    row = NodeRow(line=line, x=x, y=y, **ints)
    if row.service < 0:
        raise line.error(f"service time must be >= 0, got {row.service}")
    if not 0 <= row.earliest <= row.latest:
        raise line.error(
            f"time window [{row.earliest}, {row.latest}] is not 0 <= earliest <= latest"
        )
    return row


def read_node_rows(
    text: TextFile, *, paired: bool, count: int | None = None, until: str | None = None
) -> list[NodeRow]:
    """Node rows numbered 0, 1, 2, ... (node 0 the depot).

    Reads ``count`` rows, or up to the line ``until``, or to the end of the file.
    """
    rows: list[NodeRow] = []
    while count is None or len(rows) < count:
        nxt = text.peek()
        if nxt is None or (until is not None and nxt.text.upper() == until):
            if count is not None:
                raise text.error(f"expected {count} node rows, got {len(rows)}")
            break
        line = text.next("a node row")
        row = _node_row(line, paired)
        if row.id != len(rows):
            raise line.error(f"node ids must run 0, 1, 2, ...: expected {len(rows)}, got {row.id}")
        rows.append(row)
    if len(rows) < 2:
        raise text.error(f"needs the depot and another node, got {len(rows)} node row(s)")
    depot = rows[0]
    if depot.demand != 0:
        raise depot.line.error(f"the depot (node 0) must have demand 0, got {depot.demand}")
    return rows


def scaled_stop(row: NodeRow, location: Location, scale: int) -> Stop:
    """The stop of a node row with its window and service time times ``scale`` seconds."""
    try:
        return Stop(
            location=location,
            windows=[(row.earliest * scale, row.latest * scale)],
            service_s=row.service * scale,
        )
    except InvalidInputError as err:
        raise row.line.error(str(err)) from None


def errands_from_pairs(
    rows: Sequence[NodeRow],
    location: Callable[[NodeRow], Location],
    scale: int,
) -> tuple[list[Errand], dict[tuple[str, StopRole], int]]:
    """One :class:`Errand` ``r<pickup id>`` per pickup/delivery pair, and the node map.

    A pickup has ``demand > 0``, ``pickup = 0`` and ``delivery`` = its delivery
    node; that node has ``demand`` = minus the pickup's, ``pickup`` = the pickup
    node and ``delivery = 0``. Every non-depot node is in exactly one pair.
    """
    errands: list[Errand] = []
    node_of: dict[tuple[str, StopRole], int] = {}
    paired_with: dict[int, int] = {}
    for row in rows[1:]:
        if row.demand > 0:
            if row.pickup != 0:
                raise row.line.error(f"pickup node {row.id} must have pickup field 0")
            d = row.delivery
            if not 0 < d < len(rows):
                raise row.line.error(f"pickup node {row.id}: delivery node {d} does not exist")
            partner = rows[d]
            if partner.pickup != row.id or partner.delivery != 0:
                raise row.line.error(
                    f"pickup node {row.id}: node {d} is not its delivery "
                    f"(node {d} has pickup {partner.pickup}, delivery {partner.delivery})"
                )
            if partner.demand != -row.demand:
                raise partner.line.error(
                    f"delivery node {d} has demand {partner.demand}, "
                    f"expected {-row.demand} (minus its pickup's)"
                )
            paired_with[d] = row.id
            task_id = f"r{row.id}"
            try:
                errand = Errand(
                    id=task_id,
                    pickup=scaled_stop(row, location(row), scale),
                    dropoff=scaled_stop(partner, location(partner), scale),
                    load=(row.demand,),
                )
            except InvalidInputError as err:
                raise row.line.error(str(err)) from None
            errands.append(errand)
            node_of[(task_id, StopRole.PICKUP)] = row.id
            node_of[(task_id, StopRole.DROPOFF)] = d
        elif row.demand < 0:
            if row.delivery != 0:
                raise row.line.error(f"delivery node {row.id} must have delivery field 0")
        else:
            raise row.line.error(f"node {row.id} has demand 0: neither a pickup nor a delivery")
    for row in rows[1:]:
        if row.demand < 0 and paired_with.get(row.id) != row.pickup:
            raise row.line.error(
                f"delivery node {row.id} names pickup {row.pickup}, which does not deliver to it"
            )
    return errands, node_of
