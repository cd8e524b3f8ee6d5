"""Settings from CROSSDOCK_* variables: values read, bad ones refused with the variable named."""

from __future__ import annotations

import pytest

from crossdock.settings import load_settings

BASE = {"CROSSDOCK_SECRET_KEY": "settings-test"}


def test_worker_timings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {**BASE, "CROSSDOCK_SWEEP_SECONDS": "5", "CROSSDOCK_WORKER_STALLED_SECONDS": "12"}
    )
    assert (settings.sweep_seconds, settings.worker_stalled_seconds) == (5, 12)
    defaults = load_settings(BASE)
    assert (defaults.sweep_seconds, defaults.worker_stalled_seconds) == (15, 30)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CROSSDOCK_SWEEP_SECONDS": "0"}, "CROSSDOCK_SWEEP_SECONDS must be between 1 and 59"),
        ({"CROSSDOCK_SWEEP_SECONDS": "60"}, "CROSSDOCK_SWEEP_SECONDS must be between 1 and 59"),
        ({"CROSSDOCK_SWEEP_SECONDS": "often"}, "CROSSDOCK_SWEEP_SECONDS must be an integer"),
        ({"CROSSDOCK_WORKER_STALLED_SECONDS": "2"}, "at least 3"),
        ({"CROSSDOCK_QUEUE": "redis"}, "CROSSDOCK_QUEUE must be 'embedded' or 'procrastinate'"),
        (
            {"CROSSDOCK_PULL_LEASE_SECONDS": "1.5"},
            "CROSSDOCK_PULL_LEASE_SECONDS must be an integer",
        ),
    ],
)
def test_bad_values_are_refused_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings({**BASE, **env})
