"""`wrike-mcp audit verify`: check that audit log files are intact and chained."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wrike_mcp.audit import verify_files


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit", help="work with the audit log", description="Check the hash-chained audit log."
    )
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="check that audit files are intact and chained",
        description="Exit 0 when every record matches its hash and the chain is unbroken across the files "
        "(give rotated files oldest first, the active file last); otherwise print the first bad line.",
    )
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE", help="audit files, oldest first")
    verify.add_argument(
        "--partial", action="store_true", help="accept a chain that starts after the first record ever"
    )
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    report = verify_files(args.files, partial=args.partial)
    if not report.ok:
        print(f"audit log NOT intact: {report.problem}")
        print(f"{report.records} record(s) before it were sound.")
        return 1
    start = "from the first record" if report.from_genesis else "from a later record (--partial)"
    print(f"audit log intact: {report.records} record(s) in {len(args.files)} file(s), chained {start}.")
    print(f"last hash: {report.last_hash}")
    return 0
