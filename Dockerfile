# syntax=docker/dockerfile:1
# wrike-mcp's hosted endpoint: streamable HTTP at /mcp, legacy SSE at /sse, its own OAuth in front of
# Wrike's, /healthz for probes. Put a TLS-terminating reverse proxy in front (see the README).
#
#   docker build -t wrike-mcp .
#   docker run -p 8000:8000 \
#     -e WRIKE_CLIENT_ID=... -e WRIKE_CLIENT_SECRET=... -e WRIKE_MCP_TOKEN_KEYS=... \
#     -e WRIKE_MCP_PUBLIC_URL=https://mcp.example.com wrike-mcp
#
# Settings (environment):
#   WRIKE_CLIENT_ID, WRIKE_CLIENT_SECRET   the Wrike OAuth app; its redirect URI is PUBLIC_URL/oauth/callback
#   WRIKE_MCP_TOKEN_KEYS                   sealing keys, base64url 32 bytes, comma-separated, current first;
#                                          the same list on every replica
#   WRIKE_MCP_PUBLIC_URL                   the https URL clients use (the proxy's), origin only
#   WRIKE_OAUTH_BASE                       Wrike's OAuth server (default https://login.wrike.com)
#   WRIKE_READ_ONLY, WRIKE_TOOLSETS        what the endpoint exposes (as for stdio)
#   WRIKE_MCP_MAX_RESULT_BYTES, WRIKE_MCP_MAX_DOWNLOAD_BYTES, WRIKE_MCP_TIMEOUT, WRIKE_MCP_LOG_LEVEL
#   WRIKE_HOST, WRIKE_SCOPES               only with --accept-wrike-tokens: default data centre and scopes
# Extra flags go after the image name, e.g. `--accept-wrike-tokens` or `--allow-origin https://app.example`.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the project and every dependency as wheels (all of them ship binary wheels: no compiler) --
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY wrike_mcp ./wrike_mcp
COPY tool_manifests ./tool_manifests
RUN pip wheel --wheel-dir /wheels .

# --- runtime: the wheels installed from the builder's directory (never copied into a layer), then pip,
# setuptools and wheel removed, so no build or install tooling is left in the image ----------------------
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels wrike-mcp \
    && pip uninstall --yes setuptools wheel pip \
    && groupadd --system --gid 10001 wrike \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/wrike \
       --shell /usr/sbin/nologin wrike
USER 10001:10001
WORKDIR /home/wrike
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["wrike-mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
