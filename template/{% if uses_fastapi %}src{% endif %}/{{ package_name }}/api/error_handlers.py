"""FastAPI exception handlers that answer with problem details."""

import logging
from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from ..database.errors import DatabaseUnavailableError
from ..services.business.errors import DomainError
from .problems import PROBLEM_CONTENT_TYPE, encode, headers_for, problem, status_for

logger = logging.getLogger(__name__)

# How long a client should wait before retrying when the database cannot serve it.
RETRY_AFTER_SECONDS = 1


def _problem_response(
    request: Request,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> Response:
    body = encode(problem(status, detail, request.url.path, **extensions))
    return Response(body, status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


async def _domain_error(request: Request, error: DomainError) -> Response:
    return _problem_response(request, status_for(error), str(error), headers_for(error))


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    errors = [
        {"loc": list(entry["loc"]), "message": entry["msg"], "type": entry["type"]}
        for entry in error.errors()
    ]
    return _problem_response(request, 422, "The request is not valid.", errors=errors)


async def _http_error(request: Request, error: HTTPException) -> Response:
    if error.status_code == HTTPStatus.BAD_REQUEST:
        # FastAPI's answer to a body it cannot decode (not UTF-8, say). Like
        # any malformed body, and as the other frameworks answer it: a 422.
        errors = [
            {"loc": ["body"], "message": "The body is not valid JSON.", "type": "json_invalid"}
        ]
        return _problem_response(request, 422, "The request is not valid.", errors=errors)
    return _problem_response(request, error.status_code, str(error.detail), error.headers)


async def _database_unavailable(request: Request, error: DatabaseUnavailableError) -> Response:
    logger.warning("answering 503: %s", error)
    return _problem_response(
        request,
        503,
        error.detail,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


ExceptionHandler = Callable[[Request, Any], Coroutine[Any, Any, Response]]

EXCEPTION_HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    DomainError: _domain_error,
    RequestValidationError: _validation_error,
    HTTPException: _http_error,
    DatabaseUnavailableError: _database_unavailable,
}
