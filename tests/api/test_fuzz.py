"""Property-based fuzzing of every operation in /openapi.json: no input yields a server error.

Schemathesis generates valid and invalid requests from the hub's own OpenAPI document and sends
them, authenticated as an admin, to ``crossdock serve``'s app under a real uvicorn.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.api.conftest import CLIENT_ID
from tests.api.test_seed_samples import base_url  # noqa: F401 - the running server fixture


def test_no_input_yields_a_server_error(base_url: str, tmp_path: Path) -> None:  # noqa: F811
    login = {"clientId": CLIENT_ID, "username": "john.doe", "password": "$MyGreatPassword1#"}
    token = requests.post(f"{base_url}/auth/login", json=login, timeout=30).json()["Tokens"]
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{base_url}/openapi.json",
            "--header",
            f"Authorization: {token['IdToken']}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "10",
            "--phases",
            "coverage,fuzzing",
            "--seed",
            "20261123",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path,
        check=False,
    )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert "passed" in summary
