"""GraphQL over HTTP's `application/graphql-response+json`, for clients that ask for it.

With that media type the spec asks for a status code that tells request errors
(the document did not parse or validate, its variables did not coerce, the
credentials were refused: nothing was executed) from executed operations. Those
responses then carry no `data` entry and a 4xx/5xx status. Clients that accept
only `application/json` keep getting 200 with `"data": null`, as the spec also asks.
"""

from __future__ import annotations

from starlette.responses import Response
from strawberry.types import ExecutionResult

from .errors import ErrorCode

__all__ = [
    "GRAPHQL_RESPONSE",
    "negotiate",
    "prefers_graphql_response",
    "request_error_status",
]

GRAPHQL_RESPONSE = "application/graphql-response+json"

_STATUS = {
    ErrorCode.UNAUTHENTICATED.value: 401,
    ErrorCode.FORBIDDEN.value: 403,
    ErrorCode.PERSISTED_QUERY_NOT_FOUND.value: 404,
    ErrorCode.INTERNAL.value: 500,
    ErrorCode.SERVICE_UNAVAILABLE.value: 503,
}


def _weights(accept: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        media = media.lower()
        weights[media] = max(weights.get(media, 0.0), weight)
    return weights


def prefers_graphql_response(accept: str | None) -> bool:
    """Whether `Accept` names graphql-response+json at least as high as application/json."""
    if not accept:
        return False
    weights = _weights(accept)
    wanted = weights.get(GRAPHQL_RESPONSE, 0.0)
    return wanted > 0 and wanted >= weights.get("application/json", 0.0)


def request_error_status(result: ExecutionResult) -> int | None:
    """The status of a result that was refused before execution; None if it executed.

    Field errors always have a path; errors raised before execution never do.
    """
    if result.data is not None or not result.errors:
        return None
    if any(error.path is not None for error in result.errors):
        return None
    code = (result.errors[0].extensions or {}).get("code")
    return _STATUS.get(str(code), 400)


def negotiate(accept: str | None, response: Response, result: ExecutionResult) -> ExecutionResult:
    """`application/graphql-response+json` when `accept` prefers it, with a request error's
    status (and `WWW-Authenticate` for a refused key) set on `response`."""
    if prefers_graphql_response(accept):
        response.media_type = GRAPHQL_RESPONSE
        status = request_error_status(result)
        if status is not None:
            response.status_code = status
            if status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
    return result
