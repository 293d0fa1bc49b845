"""The district scenario: the real programme's counts, one street grid, a day of demand."""

from __future__ import annotations

from collections import Counter

import pytest

from dispatch.eldercare import KitchenKind
from dispatch.errors import InvalidInputError
from dispatch.online import HAZARD_VISIT_KIND
from dispatch.simulate import MENU, DistrictScenario, district_scenario


def test_full_scale_matches_the_programme() -> None:
    """At scale 1: 142 communities, 18 canteens, 41 partners, 200 couriers of the four roles."""
    s = district_scenario(seed=1, scale=1.0)
    kinds = Counter(k.kind for k in s.eldercare.kitchens)
    assert kinds == {KitchenKind.CANTEEN: 18, KitchenKind.PARTNER: 41}
    assert len(s.menus) == 142
    assert len(set(s.community_of.values())) == 142  # every community has streets
    assert len(s.couriers) == 200
    assert Counter(s.courier_roles.values()) == {
        "food": 90,
        "parcel": 50,
        "ride": 40,
        "volunteer": 20,
    }
    assert 600 <= len(s.orders) <= 1000  # Poisson around 800
    assert all(p.own_stops and p.detour_budget_s is not None for p in s.couriers)


def test_same_seed_same_scenario_other_seed_other_demand() -> None:
    """A seed fixes every order and hazard; another seed gives another day."""
    a, b = district_scenario(seed=4, scale=0.05), district_scenario(seed=4, scale=0.05)
    assert a.orders == b.orders and a.hazards == b.hazards and a.couriers == b.couriers
    assert district_scenario(seed=6, scale=0.05).orders != a.orders


def test_orders_follow_the_day_and_the_menus(scenario: DistrictScenario) -> None:
    """Orders are sorted, within the working day, from the right community's menu."""
    times = [o.at_s for o in scenario.orders]
    assert times == sorted(times)
    assert all(scenario.start_s <= t < scenario.end_s for t in times)
    for order in scenario.orders:
        assert order.community == scenario.community_of[order.dropoff.node]
        assert order.kind in MENU
        assert order.resident_id == f"r{order.dropoff.node}"
        assert order.pickup.node in scenario.errands.shops[order.kind]


def test_couriers_and_meals_share_one_street_grid(scenario: DistrictScenario) -> None:
    """Couriers, shops, homes and kitchens are corners of the one graph the travel table covers."""
    nodes = set(scenario.graph.nodes)
    places = [p.position for p in scenario.couriers]
    places += [o.stop.location for p in scenario.couriers for o in p.own_stops]
    places += [k.location for k in scenario.eldercare.kitchens]
    places += [e.home for e in scenario.eldercare.elders]
    places += [o.dropoff for o in scenario.orders] + [o.pickup for o in scenario.orders]
    assert {p.node for p in places} <= nodes
    assert scenario.travel.travel.graph is scenario.graph


def test_volunteers_also_take_hazard_visits(scenario: DistrictScenario) -> None:
    """Elderly volunteers accept follow-up visits; parcel couriers accept every kind."""
    for plan in scenario.couriers:
        role = scenario.courier_roles[plan.courier_id]
        if role == "volunteer":
            assert plan.accepts is not None and HAZARD_VISIT_KIND in plan.accepts
        if role == "parcel":
            assert plan.accepts is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scale": 0}, "scale"),
        ({"scale": 3}, "scale"),
        ({"errands": -1}, "errands"),
        ({"profile": {25: 1.0}}, "profile"),
        ({"profile": {9: 0.0}}, "profile"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    """Out-of-range arguments raise InvalidInputError naming the argument."""
    with pytest.raises(InvalidInputError, match=field):
        district_scenario(seed=1, **kwargs)  # type: ignore[arg-type]
