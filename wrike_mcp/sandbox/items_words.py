"""Word lists and the folder tree of the seeded workspace (data, kept apart from the seeding logic)."""

from __future__ import annotations

import random
from typing import Any

# name, color, group, standard: the "Software Delivery" workflow. One standard status per group. [C] §4.10
STATUSES = (
    ("Backlog", "Gray", "Active", True),
    ("In Progress", "Blue", "Active", False),
    ("In Review", "Purple", "Active", False),
    ("Done", "Green", "Completed", True),
    ("Blocked", "Red", "Deferred", True),
    ("Dropped", "Gray", "Cancelled", True),
)

# title, type, settings, space-level (Marketing). [C] §4.11 field model
FIELDS: tuple[tuple[str, str, dict[str, Any], bool], ...] = (
    ("Story Points", "Numeric",
     {"decimalPlaces": 0, "useThousandsSeparator": False, "aggregation": "Sum"}, False),
    ("Customer", "Text", {}, False),
    ("Severity", "DropDown", {
        "values": ["Critical", "Major", "Minor", "Trivial"],
        "options": [{"value": v, "color": c} for v, c in
                    (("Critical", "Red"), ("Major", "Orange"), ("Minor", "Yellow"), ("Trivial", "Gray"))],
        "optionColorsEnabled": True, "allowOtherValues": False}, False),
    ("Customer Facing", "Checkbox", {}, False),
    ("Target Release", "Date", {}, False),
    ("Budget", "Currency", {"decimalPlaces": 2, "useThousandsSeparator": True, "currency": "USD",
                            "aggregation": "Sum"}, True),
)  # fmt: skip

# space -> [(title, is_project, task weight, children)]: about four levels under Root.
Node = tuple[str, bool, int, tuple[Any, ...]]
TREE: dict[str, tuple[Node, ...]] = {
    "Engineering": (
        ("Platform", False, 1, (
            ("API Gateway Migration", True, 6, (("Design", False, 2, ()), ("Rollout", False, 2, ()))),
            ("Observability", True, 4, ()),
        )),
        ("Mobile App", False, 1, (
            ("iOS 3.0 Launch", True, 4, (
                ("Sprints", False, 0, (("Sprint 14", False, 3, ()), ("Sprint 15", False, 3, ()))),
            )),
            ("Android Refresh", True, 4, ()),
        )),
        ("Engineering Backlog", False, 3, ()),
    ),
    "Marketing": (
        ("Campaigns", False, 1, (
            ("Spring Campaign", True, 4, (("Assets", False, 2, ()),)),
            ("Product Launch Webinar", True, 3, ()),
        )),
        ("Content Calendar", False, 1, (("Blog", False, 3, ()), ("Social", False, 2, ()))),
    ),
    "Leadership": (
        ("Board Meetings", False, 2, ()),
        ("Hiring Plan 2026", True, 2, ()),
    ),
}  # fmt: skip

VERBS = (
    "Draft", "Review", "Update", "Fix", "Design", "Plan", "Test", "Document", "Migrate", "Refactor",
    "Prepare", "Publish", "Audit", "Benchmark", "Automate", "Investigate", "Schedule", "Approve",
)  # fmt: skip
OBJECTS = (
    "login flow", "billing page", "API rate limits", "onboarding email", "release notes", "search index",
    "dashboard widgets", "payment retries", "push notifications", "error budget", "landing page",
    "pricing table", "webinar deck", "customer survey", "hiring scorecard", "board report",
    "CI pipeline", "data export", "audit log", "SSO settings", "mobile navigation", "blog post",
)  # fmt: skip
QUALIFIERS = (
    "", "", "", "for Q3", "for the EU region", "(follow-up)", "before launch", "for enterprise plan",
    "with design team", "v2", "after incident review", "for the beta",
)  # fmt: skip
SENTENCES = (
    "Agree scope with the stakeholders first.", "Keep the change behind a feature flag.",
    "Link the relevant tickets in the comments.", "Check the numbers against last quarter.",
    "Coordinate with support before the rollout.", "Attach screenshots of the final version.",
    "The previous attempt stalled on review; keep it small.", "Estimate before committing to a date.",
)  # fmt: skip


def title_for(rng: random.Random) -> str:
    return " ".join(p for p in (rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)) if p)


def describe(rng: random.Random, subject: str | None) -> str:
    """A short HTML description, as Wrike stores descriptions."""
    lines = rng.sample(SENTENCES, k=rng.randint(1, 3))
    if subject is not None:
        lines.insert(0, f"Everything about {subject}.")
    return "".join(f"<p>{line}</p>" for line in lines) if rng.random() > 0.15 or subject else ""
