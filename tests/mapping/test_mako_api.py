"""``POST /mapping/mako`` on a real hub: who may call it, the answer's envelope, errors in the
one error schema, and a hub that stays up and fast while a template misbehaves."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crossdock.api import create_app
from crossdock.hub import Hub
from crossdock.settings import load_settings
from tests.api.conftest import ADMIN, CLIENT_ID, Api, Clock

ApiFactory = Callable[..., Api]


def build(database: Path, **mako: Any) -> Api:
    """A hub on SQLite with the Mako router, as the lead wires it into ``create_app``."""
    settings = load_settings(
        {},
        database_url=f"sqlite:///{database}",
        secret_key="test-secret-key-for-crossdock-tests",
        bootstrap_admin=f"{ADMIN[0]}:{ADMIN[1]}",
        client_id=CLIENT_ID,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        embedded_worker=False,
        mako_timeout=1.0,
        **mako,
    )
    clock = Clock()
    hub = Hub.from_settings(settings, clock=clock)
    app = create_app(hub=hub)
    return Api(client=TestClient(app, raise_server_exceptions=False), hub=hub, clock=clock)


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[ApiFactory]:
    """Hubs started per test, with their Mako settings; stopped at the end."""
    started: list[Api] = []

    def make(**mako: Any) -> Api:
        api = build(tmp_path / f"hub{len(started)}.db", **mako)
        api.client.__enter__()
        started.append(api)
        return api

    yield make
    for api in started:
        api.client.__exit__(None, None, None)
        api.hub.close()


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api()


def mako(api: Api, headers: dict[str, str], **body: Any) -> Any:
    body.setdefault("record", [{"sku": "A1", "title": "Shoe"}])
    return api.client.post("/mapping/mako", json=body, headers=headers)


def company_user(api: Api, admin: dict[str, str]) -> dict[str, str]:
    company = api.make_company(admin, agencyId="agency-1")
    return api.make_user(admin, "clerk@acme.test", "company", companyId=company["companyId"])


def test_admin_renders_and_gets_the_json_as_a_record(api: Api) -> None:
    template = '{"sku": ${tojson(record["sku"])}, "n": ${len(records)}, "cur": "${currency}"}'
    r = mako(api, api.admin(), template=template, variables={"currency": "SGD"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "output": '{"sku": "A1", "n": 1, "cur": "SGD"}',
        "record": {"sku": "A1", "n": 1, "cur": "SGD"},
    }


def test_text_output_has_no_record(api: Api) -> None:
    r = mako(api, api.admin(), template="${record['title']} x${len(records)}")
    assert r.status_code == 200
    assert r.json() == {"output": "Shoe x1"}


def test_the_seed_sample_body(api: Api) -> None:
    # The docs' own request: {'record': [{}], 'template': '<template>'}
    r = mako(api, api.admin(), record=[{}], template="<template>")
    assert r.status_code == 200
    assert r.json() == {"output": "<template>"}


def test_staff_may_render_and_company_users_may_not_by_default(api: Api) -> None:
    admin = api.admin()
    staff = api.make_user(admin, "staff@crossdock.test", "staff")
    assert mako(api, staff, template="ok").status_code == 200
    r = mako(api, company_user(api, admin), template="ok")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only admin and staff users may render Mako templates on this hub."
    assert r.json()["field"] == "template"


def test_the_setting_opens_mako_to_every_role(make_api: ApiFactory) -> None:
    api = make_api(mako_access="all")
    r = mako(api, company_user(api, api.admin()), template="${record['sku']}")
    assert r.status_code == 200
    assert r.json() == {"output": "A1"}


def test_the_setting_switches_mako_off_for_everyone(make_api: ApiFactory) -> None:
    api = make_api(mako_access="off")
    r = mako(api, api.admin(), template="ok")
    assert r.status_code == 403
    assert r.json()["detail"] == "Mako rendering is switched off on this hub."


def test_an_invalid_access_setting_refuses_with_an_operator_error(make_api: ApiFactory) -> None:
    api = make_api(mako_access="everyone")
    r = mako(api, api.admin(), template="ok")
    assert r.status_code == 503
    assert "mako_access" in r.json()["detail"]


def test_anonymous_callers_are_refused(api: Api) -> None:
    r = api.client.post("/mapping/mako", json={"template": "x", "record": [{}]})
    assert r.status_code == 401


def test_a_syntax_error_is_a_400_naming_the_line(api: Api) -> None:
    r = mako(api, api.admin(), template="ok\n${x +}\n")
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "template"
    assert body["detail"].startswith("Line 2: ")
    assert body["errors"][0]["line"] == "2"
    assert body["errors"][0]["kind"] == "syntax"
    assert r.headers["x-cresco-error"].startswith("template: Line 2: ")


def test_a_runtime_error_is_a_400_naming_the_line(api: Api) -> None:
    r = mako(api, api.admin(), template="a\nb\n${record['nope']}")
    assert r.status_code == 400
    assert r.json()["detail"] == "Line 3: KeyError: 'nope'"


def test_the_body_follows_the_seed(api: Api) -> None:
    admin = api.admin()
    r = api.client.post("/mapping/mako", json={"template": "x"}, headers=admin)
    assert r.status_code == 400
    assert r.json()["field"] == "MakoRequest.record"
    r = api.client.post("/mapping/mako", json={"template": "x", "record": {}}, headers=admin)
    assert r.status_code == 400
    r = mako(api, admin, template="x", extra=1)
    assert r.status_code == 400
    assert r.json()["detail"] == "Unknown field."


def test_limits_are_a_422(api: Api) -> None:
    r = mako(api, api.admin(), template="${'x' * (10 * 1024**3)}")
    assert r.status_code == 422
    assert "out of memory" in r.json()["detail"]


def test_the_hub_stays_up_and_fast_while_a_template_spins(api: Api) -> None:
    admin = api.admin()
    answers: list[Any] = []
    spinner = threading.Thread(
        target=lambda: answers.append(mako(api, admin, template="<%\nwhile True:\n    pass\n%>"))
    )
    spinner.start()
    time.sleep(0.1)
    start = time.perf_counter()
    assert api.client.get("/systems", headers=admin).status_code == 200
    assert mako(api, admin, template="${1 + 1}").json() == {"output": "2"}
    assert time.perf_counter() - start < 0.9  # both answered before the spinner's 1 s timeout
    spinner.join()
    assert answers[0].status_code == 422
    assert answers[0].json()["detail"] == "The template ran longer than 1 seconds and was stopped."


def test_shutting_the_app_down_stops_the_zygote(tmp_path: Path) -> None:
    api = build(tmp_path / "hub.db")
    with api.client:
        assert mako(api, api.admin(), template="x").status_code == 200
        pid = api.client.app.state.mako_renderer.start().pid
        os.kill(pid, 0)  # running
    api.hub.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
