"""Litestar exception handlers that answer with problem details."""

import logging
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from ..database.errors import DatabaseUnavailableError
from ..services.business.errors import DomainError
from .problems import PROBLEM_CONTENT_TYPE, encode, headers_for, problem, status_for

logger = logging.getLogger(__name__)
# The request middleware's logger: one "unhandled error" record per failure,
# whichever layer catches it.
http_logger = logging.getLogger("http")

# How long a client should wait before retrying when the database cannot serve it.
RETRY_AFTER_SECONDS = 1
INVALID_REQUEST = "The request is not valid."

AnyRequest = Request[Any, Any, Any]


def _problem_response(
    request: AnyRequest,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> Response[bytes]:
    return Response(
        encode(problem(status, detail, request.url.path, **extensions)),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_CONTENT_TYPE,
    )


def _domain_error(request: AnyRequest, error: DomainError) -> Response[bytes]:
    return _problem_response(request, status_for(error), str(error), headers_for(error))


def _validation_error(request: AnyRequest, error: ValidationException) -> Response[bytes]:
    # Litestar names the field and where it came from (query, path, header); a
    # field of the body comes without a source.
    entries = error.extra if isinstance(error.extra, list) else []
    errors = [
        {
            "loc": [entry.get("source", "body"), *([entry["key"]] if "key" in entry else [])],
            "message": entry.get("message", ""),
            "type": "invalid",
        }
        for entry in entries
    ]
    return _problem_response(request, 422, INVALID_REQUEST, errors=errors)


def _http_error(request: AnyRequest, error: HTTPException) -> Response[bytes]:
    if type(error) is ClientException and error.status_code == 400:
        # A body that is not JSON at all: as invalid as one that fails validation.
        errors = [{"loc": ["body"], "message": error.detail, "type": "json_invalid"}]
        return _problem_response(request, 422, INVALID_REQUEST, errors=errors)
    return _problem_response(request, error.status_code, error.detail, error.headers)


def _database_unavailable(request: AnyRequest, error: DatabaseUnavailableError) -> Response[bytes]:
    logger.warning("answering 503: %s", error)
    return _problem_response(
        request,
        503,
        error.detail,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unhandled_error(request: AnyRequest, error: Exception) -> Response[bytes]:
    http_logger.error("unhandled error", exc_info=error)
    return _problem_response(request, 500, "The server could not complete the request.")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    DatabaseUnavailableError: _database_unavailable,
    Exception: _unhandled_error,
}
