"""Kitchen assignment: diets, capacities, the hot-food limit and windows; issues per elder."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from tests.eldercare.world import MONDAY, TRAVEL, at, elder, kitchen, programmes
from tests.strategies import solver_settings

from dispatch import TravelProfile
from dispatch.eldercare import IssueReason, Kitchen, assign_kitchens, meal_orders
from dispatch.eldercare._assign import _earliest_pickup_s

LIMIT_S = 1800


def _durations(kitchens: list[Kitchen], homes: list[object]) -> dict[tuple[str, object], int]:
    places = [k.location for k in kitchens] + list(homes)  # type: ignore[arg-type]
    m = TRAVEL.matrix(places, TravelProfile.EBIKE).durations_s
    return {
        (k.id, h): int(m[i, len(kitchens) + j])
        for i, k in enumerate(kitchens)
        for j, h in enumerate(homes)
    }


@given(programmes())
@solver_settings(60)
def test_assignment_respects_diets_capacities_range_and_windows(programme: tuple) -> None:
    """Every order gets a fitting kitchen within capacity, or one issue with a true reason."""
    kitchens, elders = programme
    orders = meal_orders(elders, MONDAY).delivered
    result = assign_kitchens(orders, kitchens, elders, TRAVEL, profile="ebike")
    homes = {e.id: e.home for e in elders}
    travel = _durations(kitchens, list(dict.fromkeys(homes.values())))
    by_id = {k.id: k for k in kitchens}
    issued = Counter(i.elder_id + "/" + (i.slot.value if i.slot else "") for i in result.issues)
    load: Counter[tuple[str, str]] = Counter()

    def fits(k: Kitchen, order: object) -> bool:
        service = k.service(order.slot)  # type: ignore[attr-defined]
        if service is None or service.meals == 0 or not k.cooks(order.diets):  # type: ignore[attr-defined]
            return False
        t = travel[(k.id, homes[order.elder_id])]  # type: ignore[attr-defined]
        arrival = _earliest_pickup_s(k, service.ready_s) + k.handover_s + t
        return t <= LIMIT_S and arrival <= order.window.latest_s  # type: ignore[attr-defined]

    for order in orders:
        key = f"{order.elder_id}/{order.slot.value}"
        chosen = result.kitchen_of.get(order.id)
        assert (chosen is None) == (issued[key] == 1), key
        assert issued[key] <= 1
        if chosen is not None:
            k = by_id[chosen]
            assert fits(k, order)
            assert result.travel_s[order.id] == travel[(k.id, homes[order.elder_id])]
            load[(chosen, order.slot.value)] += 1
    for (kitchen_id, slot), count in load.items():
        service = by_id[kitchen_id].service(slot)
        assert service is not None and count <= service.meals
    for issue in result.issues:
        order = next(o for o in orders if o.elder_id == issue.elder_id and o.slot is issue.slot)
        cooking = [
            k
            for k in kitchens
            if (s := k.service(order.slot)) is not None and s.meals > 0 and k.cooks(order.diets)
        ]
        if issue.reason is IssueReason.DIET:
            assert cooking == []
        elif issue.reason is IssueReason.OUT_OF_RANGE:
            assert cooking and all(travel[(k.id, homes[order.elder_id])] > LIMIT_S for k in cooking)
        elif issue.reason is IssueReason.TOO_LATE:
            assert cooking and not any(fits(k, order) for k in cooking)
        else:
            assert issue.reason is IssueReason.CAPACITY
            fitting = [k for k in cooking if fits(k, order)]
            assert fitting
            # Every kitchen that fits it is full: the flow left no free meal it could use.
            for k in fitting:
                service = k.service(order.slot)
                assert service is not None and load[(k.id, order.slot.value)] == service.meals


@given(programmes())
@solver_settings(30)
def test_assignment_serves_as_many_orders_as_possible(programme: tuple) -> None:
    """No order left for capacity could be served by moving other orders (maximum matching)."""
    import networkx as nx

    kitchens, elders = programme
    orders = meal_orders(elders, MONDAY).delivered
    result = assign_kitchens(orders, kitchens, elders, TRAVEL, profile="ebike")
    served_by_us = len(result.kitchen_of)
    # Maximum flow over the same candidate pairs (those not reported DIET/RANGE/LATE).
    fixed = {(i.elder_id, i.slot) for i in result.issues if i.reason is not IssueReason.CAPACITY}
    homes = {e.id: e.home for e in elders}
    travel = _durations(kitchens, list(dict.fromkeys(homes.values())))
    G = nx.DiGraph()
    for order in orders:
        if (order.elder_id, order.slot) in fixed:
            continue
        G.add_edge("s", order.id, capacity=1)
        for k in kitchens:
            service = k.service(order.slot)
            if service is None or service.meals == 0 or not k.cooks(order.diets):
                continue
            t = travel[(k.id, homes[order.elder_id])]
            arrival = _earliest_pickup_s(k, service.ready_s) + k.handover_s + t
            if t <= LIMIT_S and arrival <= order.window.latest_s:
                G.add_edge(order.id, (k.id, order.slot), capacity=1)
                G.add_edge((k.id, order.slot), "t", capacity=service.meals)
    best = nx.maximum_flow_value(G, "s", "t") if G.has_node("t") else 0
    assert served_by_us == best


def test_impossible_subscriptions_are_reported_per_elder_with_a_reason() -> None:
    """A diet nobody cooks, a far home, a closed window and a full kitchen: one typed issue each."""
    k = kitchen("canteen", at(0, 0), lunch=1, diets=["soft"])
    elders = [
        elder("fed", at(300, 0)),
        elder("halal", at(300, 100), diets=["halal"]),
        elder("far", at(12_000, 0)),
        elder("early", at(2000, 0), lunch=(10 * 3600, 11 * 3600 + 300)),
        elder("full", at(0, 300)),
        elder("eats-in", at(0, 10), eats_in=True),
    ]
    orders = meal_orders(elders, MONDAY)
    assert [o.elder_id for o in orders.eat_in] == ["eats-in"]
    result = assign_kitchens(orders.delivered, [k], elders, TRAVEL, profile="ebike")
    assert dict(result.kitchen_of) in ({"lunch:fed": "canteen"}, {"lunch:full": "canteen"})
    reasons = {i.elder_id: i.reason for i in result.issues}
    assert reasons["halal"] is IssueReason.DIET
    assert reasons["far"] is IssueReason.OUT_OF_RANGE
    assert reasons["early"] is IssueReason.TOO_LATE
    assert IssueReason.CAPACITY in reasons.values()
    assert "eats-in" not in reasons
    details = {i.elder_id: i.detail for i in result.issues}
    assert "halal" in details["halal"]
    assert "hot-food limit is 30 min" in details["far"]
    assert "after the window closes at 11:05" in details["early"]
