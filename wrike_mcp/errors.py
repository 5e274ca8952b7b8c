"""One exception tree for the whole package. Every message is safe to show: no token, no raw upstream
body, no exception text from a foreign library.

    WrikeMcpError
    ├── ConfigError            bad settings (env, flags, policy file)
    ├── ManifestError          a tool manifest that does not validate (names the file and entry)
    ├── ToolInputError         arguments that do not fit a tool's schema or id rules
    ├── AccessDenied           refused by scopes, grants, read-only or the subtree check
    └── UpstreamError          Wrike answered with an error, or could not be reached
        ├── WrikeApiError      an error envelope from Wrike (status + code + what to do)
        ├── RateLimited        429, with the wait Wrike asked for
        ├── OutcomeUnknown     a write may or may not have happened (timeout after sending)
        ├── BulkFailed         every request of a call split into several (chunks of ids) failed
        └── UpstreamUnavailable connection refused, timeout before sending, circuit open, bad JSON
            ├── NotSent        the request provably never reached Wrike (connection refused, not made)
            └── CircuitOpen    Wrike kept failing, so calls stop for a while (says when to retry)

Every UpstreamError carries `attempts`: how many times the request was sent (the retry layer sets it).
"""

from __future__ import annotations


class WrikeMcpError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(WrikeMcpError):
    pass


class ManifestError(WrikeMcpError):
    def __init__(self, file: str, entry: str, message: str) -> None:
        super().__init__(f"{file}: {entry}: {message}")
        self.file = file
        self.entry = entry


class ToolInputError(WrikeMcpError):
    pass


class AccessDenied(WrikeMcpError):
    pass


class UpstreamError(WrikeMcpError):
    attempts: int = 1


class WrikeApiError(UpstreamError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class RateLimited(UpstreamError):
    def __init__(self, retry_after: float | None) -> None:
        super().__init__("Wrike's rate limit was reached")
        self.retry_after = retry_after


class OutcomeUnknown(UpstreamError):
    pass


class UpstreamUnavailable(UpstreamError):
    pass


class NotSent(UpstreamUnavailable):
    pass


class CircuitOpen(UpstreamUnavailable):
    def __init__(self, host: str, retry_in: float) -> None:
        super().__init__(f"Wrike ({host}) is failing, so calls to it are paused")
        self.retry_in = retry_in


class BulkFailed(UpstreamError):
    """Its message lists each distinct failure, already in words for the agent."""
