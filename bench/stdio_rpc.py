"""A minimal MCP client over a child's stdin/stdout, for start-up, memory and paging figures.

The SDK's stdio client hides the child's pid and adds its own tasks and streams; this one is a few lines
of blocking JSON-RPC, so the child's pid is known (for /proc) and the client's cost is next to nothing.

    with StdioRpc([sys.executable, "-m", "bench.floor", "stdio"], env) as rpc:
        rpc.initialize()
        tools = rpc.request("tools/list")["tools"]
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import IO, Any

PROTOCOL = "2025-11-25"


class RpcError(RuntimeError):
    pass


class StdioRpc:
    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
        )
        self.pid = self.process.pid
        self.last_bytes = 0  # size of the last answer's line, as sent on the wire
        self._next_id = 0

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def _send(self, message: dict[str, Any]) -> None:
        stdin, _ = self._pipes()
        stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and wait for its answer (notifications in between are skipped)."""
        self._next_id += 1
        self._send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}})
        _, stdout = self._pipes()
        while True:
            line = stdout.readline()
            if not line:
                raise RpcError(f"the server closed stdout (exit {self.process.poll()}) during {method}")
            message = json.loads(line)
            if message.get("id") == self._next_id:
                break
        self.last_bytes = len(line.rstrip(b"\n"))
        if "error" in message:
            raise RpcError(f"{method}: {message['error']}")
        result: dict[str, Any] = message["result"]
        return result

    def initialize(self) -> dict[str, Any]:
        info = {"name": "bench", "version": "1"}
        result = self.request(
            "initialize", {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": info}
        )
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = self.request("tools/call", {"name": name, "arguments": arguments})
        if result.get("isError"):
            raise RpcError(f"{name} failed: {result.get('content')}")
        return result

    def close(self) -> None:
        stdin, stdout = self._pipes()
        stdin.close()  # end of input: a stdio MCP server exits on its own
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        stdout.close()

    def __enter__(self) -> StdioRpc:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
