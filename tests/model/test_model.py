"""Construction-time validation of the domain model: every bad input names its field."""

from __future__ import annotations

import attrs
import pytest

from dispatch import (
    Courier,
    Errand,
    InvalidInputError,
    Location,
    MatrixTravel,
    MealDelivery,
    OwnStop,
    Problem,
    Stop,
    TimeWindow,
    TravelProfile,
    UnknownReferenceError,
    Visit,
)

HOME = Location(node=1)
SHOP = Location(node=2)
DEPOT = Location(node=0)
TRAVEL = MatrixTravel(nodes=[0, 1, 2], durations_s=[[0, 5, 5], [5, 0, 5], [5, 5, 0]])


def courier(**changes: object) -> Courier:
    base = Courier(id="c1", start=DEPOT, shift=TimeWindow(0, 3600), capacity=4)
    return attrs.evolve(base, **changes)


def errand(**changes: object) -> Errand:
    base = Errand(id="e1", pickup=Stop(location=SHOP), dropoff=Stop(location=HOME))
    return attrs.evolve(base, **changes)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Location(lat=91.0, lon=0.0), "Location.lat"),
        (lambda: Location(lat=0.0, lon=181.0), "Location.lon"),
        (lambda: Location(lat=10.0), "Location"),
        (lambda: Location(), "Location"),
        (lambda: TimeWindow(10, 5), "TimeWindow"),
        (lambda: TimeWindow(-1, 5), "TimeWindow.earliest_s"),
        (lambda: Stop(location=HOME, service_s=-3), "Stop.service_s"),
        (lambda: Stop(location=HOME, windows=[(0, 10), (5, 20)]), "Stop.windows"),
        (lambda: errand(id=""), "Errand.id"),
        (lambda: errand(id=" e1"), "Errand.id"),
        (lambda: errand(priority=0), "Errand.priority (id 'e1')"),
        (lambda: errand(load=-1), "Errand.load (id 'e1')"),
        (lambda: errand(load=()), "Errand.load (id 'e1')"),
        (lambda: errand(max_ride_s=0), "Errand.max_ride_s (id 'e1')"),
        (lambda: courier(capacity=(2, -1)), "Courier.capacity (id 'c1')"),
        (lambda: courier(detour_budget_s=-5), "Courier.detour_budget_s (id 'c1')"),
        (lambda: courier(fixed_cost=-1), "Courier.fixed_cost (id 'c1')"),
        (lambda: courier(max_tasks=-1), "Courier.max_tasks (id 'c1')"),
        (lambda: courier(accepts=["groceries", ""]), "Courier.accepts (id 'c1')"),
        (lambda: courier(accepts=[3]), "Courier.accepts (id 'c1')"),
        (lambda: courier(profile="rocket"), "Courier.profile"),
        (
            lambda: courier(
                own_stops=[
                    OwnStop(id="o", stop=Stop(location=HOME)),
                    OwnStop(id="o", stop=Stop(location=SHOP)),
                ]
            ),
            "Courier.own_stops (id 'c1')",
        ),
        (
            lambda: MealDelivery(
                id="m1",
                kitchen=Stop(location=SHOP, windows=[(0, 100)]),
                home=Stop(location=HOME),
                ready_s=200,
                max_ride_s=1800,
            ),
            "MealDelivery.ready_s (id 'm1')",
        ),
        (
            lambda: MealDelivery(
                id="m1",
                kitchen=Stop(location=SHOP),
                home=Stop(location=HOME),
                ready_s=0,
                max_ride_s=0,
            ),
            "MealDelivery.max_ride_s (id 'm1')",
        ),
    ],
)
def test_bad_value_names_field(build: object, field: str) -> None:
    """Each invalid value raises InvalidInputError whose field names the class, field and id."""
    with pytest.raises(InvalidInputError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_windows_are_sorted_and_normalised() -> None:
    """Windows given as pairs in any order become sorted TimeWindow objects."""
    stop = Stop(location=HOME, windows=[(600, 900), (0, 100)])
    assert stop.windows == (TimeWindow(0, 100), TimeWindow(600, 900))
    assert (stop.earliest_s, stop.latest_s) == (0, 900)


def test_meal_pickup_respects_ready_time() -> None:
    """A meal's pickup windows start no earlier than the meal is ready."""
    meal = MealDelivery(
        id="m1",
        kitchen=Stop(location=SHOP, windows=[(0, 500), (1000, 2000)]),
        home=Stop(location=HOME),
        ready_s=700,
        max_ride_s=1800,
    )
    assert meal.pickup.windows == (TimeWindow(1000, 2000),)


def test_problem_rejects_repeated_ids() -> None:
    """Two tasks or two couriers with one id are rejected, naming the id."""
    with pytest.raises(InvalidInputError, match="task id 'e1' repeats"):
        Problem(tasks=[errand(), errand()], couriers=[courier()], travel=TRAVEL)
    with pytest.raises(InvalidInputError, match="courier id 'c1' repeats"):
        Problem(tasks=[], couriers=[courier(), courier()], travel=TRAVEL)


def test_problem_rejects_mismatched_dimensions() -> None:
    """Loads and capacities must agree on the number of dimensions."""
    with pytest.raises(InvalidInputError, match=r"Courier\.capacity"):
        Problem(tasks=[], couriers=[courier(), courier(id="c2", capacity=(1, 1))], travel=TRAVEL)
    with pytest.raises(InvalidInputError, match=r"Errand\.load \(id 'e1'\)"):
        Problem(tasks=[errand(load=(1, 1))], couriers=[courier()], travel=TRAVEL)


def test_zero_visit_load_widens_to_every_dimension() -> None:
    """A visit's default zero load fits couriers with several capacity dimensions."""
    visit = Visit(id="v1", stop=Stop(location=HOME))
    problem = Problem(tasks=[visit], couriers=[courier(capacity=(2, 3))], travel=TRAVEL)
    assert problem.load_of(visit) == (0, 0)


def test_lookup_by_id_not_equality() -> None:
    """Equal-looking tasks with different ids are distinct; unknown ids raise a typed error."""
    a, b = errand(id="a"), errand(id="b")
    problem = Problem(tasks=[a, b], couriers=[courier()], travel=TRAVEL)
    assert problem.task("b") is b
    with pytest.raises(UnknownReferenceError, match="unknown courier 'nobody'"):
        problem.courier("nobody")


def test_profiles_accept_names() -> None:
    """A courier's profile may be given by its name."""
    assert courier(profile="walk").profile is TravelProfile.WALK


def test_problem_rejects_non_tasks() -> None:
    """Something that is not a task in the task list is rejected."""
    with pytest.raises(InvalidInputError, match=r"Problem\.tasks"):
        Problem(tasks=["e1"], couriers=[courier()], travel=TRAVEL)  # type: ignore[list-item]
