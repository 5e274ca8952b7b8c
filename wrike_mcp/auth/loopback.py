"""A one-shot HTTP listener on 127.0.0.1 that receives Wrike's redirect at the end of `wrike-mcp login`.

RFC 8252 §7.3: a native app receives the authorization response on a loopback redirect. Only
`GET /callback` with the `state` this login generated ends the wait; anything else (a favicon request,
a probe with another state) gets an error page and the listener keeps waiting, so a local process cannot
end someone's login with its own code. The listener binds 127.0.0.1 only, never all interfaces.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from wrike_mcp.errors import AccessDenied

MAX_REQUEST_HEAD = 16 * 1024
_DONE = "You are signed in to Wrike. You can close this window and return to the terminal."


class LoopbackReceiver:
    """`async with LoopbackReceiver(port, state) as r:` then `r.redirect_uri`, `r.wait_for_answer(s)`."""

    def __init__(self, port: int, state: str, host: str = "127.0.0.1") -> None:
        self._port = port
        self._host = host
        self._state = state
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://{self._host}:{self._port}/callback"

    async def __aenter__(self) -> LoopbackReceiver:
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, self._host, self._port)
        except OSError as exc:
            raise AccessDenied(
                f"cannot listen on {self._host}:{self._port} ({exc.strerror}); try --port"
            ) from None
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for_answer(self, seconds: float) -> dict[str, str]:
        """The callback's query parameters (`code`, or `error`), once one with our state arrives."""
        assert self._result is not None, "use LoopbackReceiver as an async context manager"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), seconds)
        except TimeoutError:
            raise AccessDenied(f"no answer from Wrike within {int(seconds)} s; run the login again") from None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        status, body = self._answer(head[:MAX_REQUEST_HEAD].decode("latin-1"))
        page = (
            f'<!doctype html><meta charset="utf-8"><title>wrike-mcp login</title><p>{html.escape(body)}</p>'
        )
        data = page.encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(data)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    def _answer(self, head: str) -> tuple[str, str]:
        method, _, rest = head.partition(" ")
        target = rest.partition(" ")[0]
        parts = urlsplit(target)
        if method != "GET" or parts.path != "/callback":
            return "404 Not Found", "Not found."
        params = dict(parse_qsl(parts.query))
        if not secrets.compare_digest(params.get("state", ""), self._state):
            return "400 Bad Request", "This sign-in answer does not belong to the login in progress."
        assert self._result is not None
        if not self._result.done():
            self._result.set_result(params)
        if "error" in params:
            return "200 OK", "Wrike sign-in was not completed. Return to the terminal."
        return "200 OK", _DONE
