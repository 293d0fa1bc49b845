"""Partitioned solving on a real Dask cluster (two worker processes) through its executor."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from tests.partition.world import MATCH, ROUTE, district, once_each, routing_city, timeless

from dispatch import validate
from dispatch.partition import PartitionOptions, PartStage, solve_partitioned

distributed = pytest.importorskip(
    "distributed",
    reason="Dask is not installed (pip install 'dispatch[dask]'); CI installs it",
)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One local cluster of two single-threaded worker processes for the whole module."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_cluster_gives_the_plan_of_local_threads(client: Any) -> None:
    """Parts solved on the cluster's workers merge into the very plan threads give; both valid."""
    options = PartitionOptions(zones=3, workers=2)
    problem = routing_city()
    on_dask = solve_partitioned(problem, ROUTE, options, executor=client.get_executor())
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        local = solve_partitioned(problem, ROUTE, options, executor=pool)
    assert validate(problem, on_dask.plan) == []
    once_each(problem, on_dask.plan)
    assert on_dask.failures == ()
    assert {r.stage for r in on_dask.reports} == {PartStage.ZONE, PartStage.BORDER}
    assert timeless(on_dask.plan) == timeless(local.plan)


def test_dask_worker_failure_is_retried_and_reported(client: Any) -> None:
    """A zone raising on a worker is retried (a new task, not Dask's cached failure), reported."""
    problem = district(couriers=16, errands=40, seed=2)
    visit = attrs.evolve(routing_city().tasks[2], stop=problem.tasks[0].dropoff)
    bad = attrs.evolve(problem, tasks=[*problem.tasks, visit])
    done = solve_partitioned(
        bad,
        MATCH,
        PartitionOptions(zones=2, workers=2, retries=1),
        executor=client.get_executor(),
    )
    assert validate(bad, done.plan) == []
    once_each(bad, done.plan)
    [failure] = done.failures
    assert failure.stage is PartStage.ZONE and failure.attempts == 2
    assert all("InvalidInputError" in e and "visits" in e for e in failure.errors)
    assert {u.task_id for u in done.plan.unassigned} >= {visit.id}
