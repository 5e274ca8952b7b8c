"""`wrike-mcp webhooks listen --jsonl` as a real process: verified events on stdout, refusals on stderr."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

SECRET = "listen-secret-0123456789"
MARKER = "LISTEN-BODY-MARKER"


@pytest.fixture
def listener() -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The command on a free port (port 0: it prints the address it bound before serving)."""
    command = [sys.executable, "-m", "wrike_mcp", "webhooks", "listen", "--port", "0",
               "--secret-env", "TEST_HOOK_SECRET", "--jsonl"]  # fmt: skip
    env = {**os.environ, "TEST_HOOK_SECRET": SECRET}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    found = re.search(r"listening on (http://\S+)", process.stderr.readline())
    assert found, "the listener did not start"
    try:
        yield process, found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_listen_prints_each_verified_event_as_one_json_line(
    listener: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = listener
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {"taskId": "MAAAAAT1", "webhookId": "IEAGSBX1JAAAAAAB", "eventAuthorId": "KUAZR5CO",
             "eventType": "TaskCreated", "lastUpdatedDate": now}  # fmt: skip
    body = json.dumps([event], indent=2).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    forged = json.dumps([{**event, "note": MARKER}]).encode()
    with httpx.Client(timeout=10, trust_env=False) as client:
        assert client.post(url, content=forged, headers={"X-Hook-Signature": signature}).status_code == 401
        assert client.post(url, content=body, headers={"X-Hook-Signature": signature}).status_code == 200
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline()) == event  # printed before the 200 was sent
    process.terminate()
    out, err = process.communicate(timeout=10)
    assert out == ""  # the forged delivery printed nothing
    assert "signature does not match" in err
    assert MARKER not in err and SECRET not in err


def test_listen_refuses_an_unset_secret_variable() -> None:
    command = [sys.executable, "-m", "wrike_mcp", "webhooks", "listen", "--secret-env", "NO_SUCH_VAR_X"]
    env = {k: v for k, v in os.environ.items() if k != "NO_SUCH_VAR_X"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 1
    assert "NO_SUCH_VAR_X is unset or empty" in result.stderr
