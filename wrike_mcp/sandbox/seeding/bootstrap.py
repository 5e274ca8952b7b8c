"""What every Wrike account has before anyone works in it. [C] wrike-api.md §7.1, §3.4, §4.10"""

from __future__ import annotations

import hashlib
import random

from wrike_mcp.clock import Clock
from wrike_mcp.sandbox.store import ALL_SCOPES, Entity, TokenGrant, Workspace

ACCOUNT_ID = "IEAGSBX1"

# Named tokens of the account owner, one per scope set, printed by `wrike-mcp sandbox`.
TOKEN_SCOPES: dict[str, tuple[str, ...]] = {
    "default": ("Default",),
    "ws_read_only": ("wsReadOnly",),
    "ws_read_write": ("wsReadWrite",),
    "workflow_read": ("amReadOnlyWorkflow",),
    "workflow_admin": ("amReadOnlyWorkflow", "amReadWriteWorkflow"),
    "user_read": ("amReadOnlyUser",),
    "user_admin": ("amReadOnlyUser", "amReadWriteUser"),
    "all": ALL_SCOPES,
}

PEOPLE = [
    ("Ada", "Lovelace", "Owner"), ("Grace", "Hopper", "Admin"), ("Alan", "Turing", "User"),
    ("Katherine", "Johnson", "User"), ("Edsger", "Dijkstra", "User"), ("Barbara", "Liskov", "User"),
    ("Donald", "Knuth", "User"), ("Margaret", "Hamilton", "User"), ("Dennis", "Ritchie", "User"),
    ("Frances", "Allen", "User"), ("Ken", "Thompson", "Collaborator"), ("Radia", "Perlman", "User"),
]  # fmt: skip

DEFAULT_PEOPLE = len(PEOPLE)
MAX_PEOPLE = 1000
# Extra people (`people=N` beyond the named dozen) are drawn, in order, from these names: deterministic,
# unique up to len(EXTRA_FIRST) * len(EXTRA_LAST) = 1000, and distinct from the named ones.
EXTRA_FIRST = (
    "Alex", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper", "Indigo", "Jordan",
    "Kai", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sage", "Taylor",
    "Umber", "Val", "Wren", "Yael", "Zion",
)  # fmt: skip
EXTRA_LAST = (
    "Babbage", "Boole", "Cerf", "Codd", "Engelbart", "Floyd", "Gauss", "Hoare", "Kay", "Lamport",
    "McCarthy", "Milner", "Naur", "Pascal", "Rivest", "Scott", "Shannon", "Stroustrup", "Tarjan", "Torvalds",
    "Ullman", "Valiant", "Wirth", "Yao", "Zuse", "Backus", "Church", "Diffie", "Euler", "Fermat",
    "Godel", "Hamming", "Iverson", "Kahan", "Leibniz", "Minsky", "Noether", "Rabin", "Sutherland", "Wing",
)  # fmt: skip

DEFAULT_STATUSES = [
    # suffix, name, color, group, standard  [C] recorded default workflow (NANGO)
    ("JMAAAAAA", "New", "Blue", "Active", True),
    ("JMHVMQVI", "In Progress", "Turquoise", "Active", False),
    ("JMAAAAAB", "Completed", "Green", "Completed", True),
    ("JMAAAAAC", "On Hold", "Gray", "Deferred", True),
    ("JMAAAAAD", "Cancelled", "Gray", "Cancelled", True),
]


def token_for(seed: int, name: str) -> str:
    """A stable, secret-looking token: the same seed gives the same tokens, handy for docs and demos."""
    return "sbx_" + hashlib.sha256(f"wrike-sandbox:{seed}:{name}".encode()).hexdigest()[:40]


def bootstrap(seed: int, clock: Clock, people: int = DEFAULT_PEOPLE) -> Workspace:
    """The account as Wrike creates it, with `people` persons: the named dozen, then generated ones."""
    if not DEFAULT_PEOPLE <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be {DEFAULT_PEOPLE} to {MAX_PEOPLE}")
    now = clock.now()
    created = now - 400 * 86400
    account: Entity = {
        "id": ACCOUNT_ID, "name": "Sandbox Analytical Engines Ltd", "dateFormat": "dd/MM/yyyy",
        "firstDayOfWeek": "Mon", "workDays": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "rootFolderId": ACCOUNT_ID + "I7777777", "recycleBinId": ACCOUNT_ID + "I7777776",
        "createdDate": "", "joinedDate": "",
        "subscription": {
            "type": "Enterprise", "suspended": False, "paid": True, "userLimit": max(50, people),
        },
        "metadata": [], "customFields": [],
    }  # fmt: skip
    ws = Workspace(account=account, clock=clock, seed=seed)
    account["createdDate"] = account["joinedDate"] = _iso(created)
    _add_special_folders(ws)
    _add_default_workflow(ws)
    _add_people(ws, random.Random(seed), people)
    _add_tokens(ws, seed)
    return ws


def _iso(epoch: float) -> str:
    from wrike_mcp.clock import iso_utc

    return iso_utc(epoch)


def _add_special_folders(ws: Workspace) -> None:
    for folder_id, title, scope in (
        (ws.root_id, "Root", "WsRoot"),
        (ws.recycle_bin_id, "Recycle Bin", "RbRoot"),
    ):
        ws["folders"][folder_id] = {
            "id": folder_id, "accountId": ws.account_id, "title": title,
            "createdDate": ws.account["createdDate"], "updatedDate": ws.account["createdDate"],
            "description": "", "sharedIds": [], "parentIds": [], "childIds": [],
            "superParentIds": [], "scope": scope, "hasAttachments": False,
            "permalink": ws.permalink(ws.next_serial()), "workflowId": ws.account_id + "K4DEFAUL",
            "metadata": [], "customFields": [],
        }  # fmt: skip


def _add_default_workflow(ws: Workspace) -> None:
    workflow_id = ws.account_id + "K77ZC47W"
    ws["workflows"][workflow_id] = {
        "id": workflow_id, "name": "Default Workflow", "standard": True, "hidden": False,
        "customStatuses": [
            {"standardName": True, "standard": standard, "id": ws.account_id + suffix, "name": name,
             "color": color, "group": group, "hidden": False}
            for suffix, name, color, group, standard in DEFAULT_STATUSES
        ],
        "description": "Use this standard workflow for anything, from start to finish.",
    }  # fmt: skip
    for folder in ws["folders"].values():
        folder["workflowId"] = workflow_id


def people_names(count: int) -> list[tuple[str, str, str, str]]:
    """(first, last, role, email) of the first `count` people: the named dozen, then generated users."""
    named = [(first, last, role, f"{first.lower()}@sandbox.example") for first, last, role in PEOPLE]
    extra = []
    for n in range(max(0, count - len(PEOPLE))):
        first, last = EXTRA_FIRST[n % len(EXTRA_FIRST)], EXTRA_LAST[n // len(EXTRA_FIRST)]
        extra.append((first, last, "User", f"{first.lower()}.{last.lower()}@sandbox.example"))
    return (named + extra)[:count]


def _add_people(ws: Workspace, rng: random.Random, count: int) -> None:
    ids = []
    for first, last, role, email in people_names(count):
        contact_id = ws.new_id("contacts")
        ids.append(contact_id)
        ws["contacts"][contact_id] = {
            "id": contact_id, "firstName": first, "lastName": last, "type": "Person",
            "profiles": [{"accountId": ws.account_id, "email": email,
                          "role": role if role != "Owner" else "User", "external": role == "Collaborator",
                          "admin": role in ("Owner", "Admin"), "owner": role == "Owner", "active": True}],
            "avatarUrl": f"https://www.wrike.com/avatars/{contact_id}.png", "timezone": "Europe/London",
            "locale": "en", "deleted": False, "title": rng.choice(["Engineer", "Designer", "Manager"]),
            "companyName": "Sandbox Analytical Engines", "primaryEmail": email,
            "userTypeId": ws.account_id + ("UTADMIN" if role in ("Owner", "Admin") else "UTREGULR"),
            "metadata": [],
        }  # fmt: skip
    group_id = ws.new_id("groups")
    ws["contacts"][group_id] = {
        "id": group_id, "firstName": "My Team", "lastName": "", "type": "Group", "profiles": [],
        "avatarUrl": "", "timezone": "", "locale": "", "deleted": False, "myTeam": True,
        "memberIds": ids, "metadata": [],
    }  # fmt: skip
    ws.account["ownerId"] = ids[0]


def _add_tokens(ws: Workspace, seed: int) -> None:
    owner = str(ws.account["ownerId"])
    for name, scopes in TOKEN_SCOPES.items():
        token = token_for(seed, name)
        ws.tokens[token] = TokenGrant(user_id=owner, scopes=frozenset(scopes))
        ws.named_tokens[name] = token
    people = [c for c in ws["contacts"].values() if c["type"] == "Person"]
    for person in people[1:]:
        # One Default token per other person, so tests can act as many different users.
        token = token_for(seed, "user:" + person["id"])
        ws.tokens[token] = TokenGrant(user_id=person["id"], scopes=frozenset({"Default"}))
        ws.named_tokens["user:" + person["id"]] = token
