"""`wrike-mcp webhooks listen`: a standalone webhook receiver that prints verified events.

For deployments without the hosted app's receiver route, and for agent frameworks that consume events
from a pipe: each verified event is one line on stdout (`--jsonl`: the event object exactly as Wrike
sent it). Everything else (the listening address, refusals, ignored duplicates) goes to stderr, never
with a body or a secret.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import uvicorn

from wrike_mcp.errors import ConfigError
from wrike_mcp.webhooks import (
    DEFAULT_PATH,
    EventHub,
    HookSecrets,
    ReceiverSettings,
    WebhookEvent,
    WebhookReceiver,
    receiver_app,
)
from wrike_mcp.webhooks.embedded import bind_socket, url_of


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("webhooks", help="receive Wrike webhooks",
                                   description="Wrike webhook utilities.")  # fmt: skip
    actions = parser.add_subparsers(dest="webhooks_command", metavar="ACTION")
    listen = actions.add_parser(
        "listen", help="run a verifying webhook receiver and print events",
        description="Receive Wrike webhooks (handshake, signature check, size cap, de-duplication) and "
        "print each verified event on stdout.",
    )  # fmt: skip
    listen.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    listen.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    listen.add_argument("--path", default=DEFAULT_PATH, help=f"receiver path (default {DEFAULT_PATH})")
    listen.add_argument("--secret-env", metavar="NAME",
                        help="environment variable holding the hooks' secret; without it deliveries "
                        "are accepted unsigned")  # fmt: skip
    listen.add_argument("--max-body", type=int, default=ReceiverSettings.max_body_bytes,
                        help="largest accepted body in bytes")  # fmt: skip
    listen.add_argument("--jsonl", action="store_true", help="print each event as one JSON line")
    listen.set_defaults(handler=run_listen)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_listen(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535 or args.max_body < 1:
        raise ConfigError("--port must be 0-65535 and --max-body >= 1")
    secret = _secret_from_env(args.secret_env)
    _log_to_stderr()
    hub = EventHub()
    hub.subscribe(cap=0, on_events=_printer(args.jsonl))
    settings = ReceiverSettings(path=args.path, max_body_bytes=args.max_body, allow_unsigned=secret is None)
    # One secret for every hook posting here, on the bare path or any label.
    receiver = WebhookReceiver(hub, HookSecrets(default=secret, derive=False), settings=settings)
    sock = bind_socket(args.host, args.port)
    _note(f"listening on {url_of(sock, settings.path)}")
    if secret is None:
        _note("no --secret-env: deliveries are NOT verified")
    config = uvicorn.Config(receiver_app(receiver), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _note(message: str) -> None:
    print(f"wrike-mcp webhooks: {message}", file=sys.stderr, flush=True)


def _secret_from_env(name: str | None) -> str | None:
    if name is None:
        return None
    secret = os.environ.get(name, "")
    if not secret:
        raise ConfigError(f"environment variable {name} is unset or empty")
    return secret


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("wrike-mcp webhooks: %(message)s"))
    logger = logging.getLogger("wrike_mcp.webhooks")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _printer(jsonl: bool) -> Callable[[list[WebhookEvent]], None]:
    def emit(events: list[WebhookEvent]) -> None:
        for event in events:
            print(json.dumps(event.raw(), ensure_ascii=False) if jsonl else _summary(event), flush=True)

    return emit


def _summary(event: WebhookEvent) -> str:
    subject = f"task {event.taskId}" if event.taskId else f"folder {event.folderId}"
    return (f"{event.lastUpdatedDate or '-'} {event.eventType} {subject} "
            f"by {event.eventAuthorId or '-'} (hook {event.webhookId or '-'})")  # fmt: skip
