"""Personal data never reaches the logs, whatever the dispatcher does."""

from __future__ import annotations

import logging

import pytest
from tests.online.scenario import busy_morning
from tests.online.world import RESIDENTS, START_S, contact, make

from dispatch.online import ManualClock, PermissionDeniedError


def test_no_personal_data_in_logs_during_a_busy_morning(caplog: pytest.LogCaptureFixture) -> None:
    """Names, phones, addresses, hazard notes and home coordinates never appear in log records."""
    clock = ManualClock(START_S)
    with caplog.at_level(logging.DEBUG, logger="dispatch"):
        d = make(clock=clock)
        busy_morning(d, clock)
        with pytest.raises(PermissionDeniedError):
            d.task_view("t1", RESIDENTS["r2"])
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "task.submitted" in text and "refused view by resident:r2" in text
    assert len(caplog.records) > 20
    for resident in RESIDENTS:
        personal = contact(resident)
        for secret in (personal.name, personal.phone, personal.address):
            assert secret not in text
    assert "bikes in stairwell" not in text  # the hazard note
    assert "no time" not in text  # a courier's free-text decline reason
    for record in d.state.tasks.values():
        task = record.task
        home = task.dropoff.location if hasattr(task, "dropoff") else task.stop.location
        assert f"{home.lat}" not in text
