"""The Dockerfile keeps its promises: slim base, multi-stage, no build tools in the final stage, non-root,
a /healthz HEALTHCHECK without curl, an ENTRYPOINT the CLI accepts, settings that the code really reads.

The image cannot be built on the development machine (no registry for base images), so these checks are
what keeps the file honest between real builds.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

from wrike_mcp.auth.sealing import generate_key
from wrike_mcp.cli import build_parser
from wrike_mcp.commands.serve import settings_from_args
from wrike_mcp.transports.http_serve import plan_http

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
BUILD_TOOLS = ("gcc", "g++", "make", "build-essential", "apt-get", "apk ", "git ", "curl", "wget")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.startswith("#")))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions(DOCKERFILE):
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def args_of(stage: list[tuple[str, str]], name: str) -> list[str]:
    return [rest for word, rest in stage if word == name]


def test_both_stages_start_from_the_slim_python_311_image() -> None:
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE, re.MULTILINE))
    bases = [args_of(stage, "FROM")[0].split()[0] for stage in stages()]
    resolved = [re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], base) for base in bases]
    assert len(resolved) == 2 and all(base == "python:3.11-slim" for base in resolved)


def test_the_final_stage_installs_prebuilt_wheels_only_and_leaves_no_build_tools() -> None:
    final = stages()[-1]
    runs = " ".join(args_of(final, "RUN"))
    assert "from=builder" in runs and "--no-index" in runs  # wheels from the builder, nothing built here
    assert re.search(r"pip uninstall --yes [^&]*\bpip\b", runs) and "setuptools" in runs
    assert not any(tool in runs for tool in BUILD_TOOLS)
    assert not any(word in ("COPY", "ADD") for word, _ in final)  # no source tree, no wheel layer


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    final = stages()[-1]
    words = [word for word, _ in final]
    user = args_of(final, "USER")
    assert len(user) == 1 and user[0].split(":")[0] not in ("0", "root")
    assert words.index("USER") < words.index("ENTRYPOINT")


def test_the_healthcheck_probes_healthz_with_python_not_curl() -> None:
    (check,) = args_of(stages()[-1], "HEALTHCHECK")
    command = json.loads(check.split("CMD", 1)[1])
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]
    compile(command[2], "<healthcheck>", "exec")  # the probe is valid Python
    assert "8000" in command[2] and args_of(stages()[-1], "EXPOSE") == ["8000"]


def test_the_entrypoint_is_the_hosted_endpoint_the_cli_accepts() -> None:
    (entrypoint,) = args_of(stages()[-1], "ENTRYPOINT")
    argv = json.loads(entrypoint)
    assert argv[0] == "wrike-mcp"
    args = build_parser().parse_args(argv[1:])
    env = {
        "WRIKE_CLIENT_ID": "app",
        "WRIKE_CLIENT_SECRET": "secret",
        "WRIKE_MCP_TOKEN_KEYS": generate_key(),
        "WRIKE_MCP_PUBLIC_URL": "https://mcp.example.com",
    }
    plan = plan_http(args, settings_from_args(args, env), env)
    assert args.transport == "http" and plan.bind == ("0.0.0.0", 8000)
    assert plan.options.resource_url == "https://mcp.example.com/mcp"


def test_the_builder_copies_what_the_wheel_is_built_from_and_dockerignore_lets_it_through() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["packages"], *wheel["force-include"]}
    copied = {source for rest in args_of(stages()[0], "COPY") for source in shlex.split(rest)[:-1]}
    allowed = set(re.findall(r"^!(\S+)$", (ROOT / ".dockerignore").read_text(encoding="utf-8"), re.M))
    assert copied == needed and allowed == needed


def test_every_setting_the_dockerfile_lists_is_read_by_the_code() -> None:
    listed = set(re.findall(r"\b(WRIKE_[A-Z_]+)\b", DOCKERFILE))
    source = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "wrike_mcp").rglob("*.py"))
    unread = {name for name in listed if f'"{name}"' not in source}
    assert len(listed) >= 10 and unread == set()
