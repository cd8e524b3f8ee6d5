"""The command line, run in-process on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from crossdock.cli import app
from crossdock.demo import DEMO_CLIENT_ID, DEMO_USERS


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSDOCK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CROSSDOCK_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("CROSSDOCK_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_db_upgrade_and_clients(env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "revision" in result.output
    assert (env / "crossdock.key").exists()
    result = runner.invoke(app, ["clients", "create", "mobile", "--client-id", "mobileclient1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mobileclient1"
    result = runner.invoke(app, ["clients", "list"])
    assert "mobileclient1  mobile  enabled" in result.output


def test_demo_once_sets_up_a_hub_you_can_log_in_to(env: Path) -> None:
    from fastapi.testclient import TestClient

    from crossdock.api import create_app
    from crossdock.settings import load_settings

    db = env / "demo.db"
    runner = CliRunner()
    moved = []
    for _ in range(2):  # running it twice starts afresh, as the sandboxes do
        result = runner.invoke(app, ["demo", "--once", "--database-url", f"sqlite:///{db}"])
        assert result.exit_code == 0, result.output
        table = result.output.split("What moved where")[1].split("Crossdock demo: log in")[0]
        moved.append(table)
    assert moved[0] == moved[1]
    assert DEMO_CLIENT_ID in result.output
    assert DEMO_USERS[1].username in result.output
    assert "What moved where" in result.output
    with TestClient(create_app(load_settings(database_url=f"sqlite:///{db}"))) as client:
        user = DEMO_USERS[2]
        r = client.post(
            "/auth/login",
            json={"clientId": DEMO_CLIENT_ID, "username": user.username, "password": user.password},
        )
        assert r.status_code == 200, r.text
        companies = client.get(
            "/companies", headers={"Authorization": r.json()["Tokens"]["IdToken"]}
        ).json()
        assert [c["name"] for c in companies] == ["Harbor Coffee Roasters"]
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from users")).scalar() == 3
        # the second run's hub began with the second run's sandboxes: each source pulled once
        assert conn.execute(sa.text("select max(runs) from pull_states")).scalar() == 1
        # the syncs ran: sandboxes' records arrived and were published, once
        published = conn.execute(
            sa.text("select count(*) from publish_jobs where status = 'done'")
        ).scalar()
        assert published > 100
        assert (
            conn.execute(sa.text("select count(*) from channel_payloads where current")).scalar()
            == published
        )
    engine.dispose()


def test_worker_needs_postgresql(env: Path) -> None:
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output
