"""FastAPI exception handlers that answer with problem details."""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException

from ..services.business.errors import DomainError
from .problems import PROBLEM_CONTENT_TYPE, headers_for, problem, status_for

logger = logging.getLogger(__name__)

# How long a client should wait before retrying when the database is saturated.
OVERLOAD_RETRY_AFTER_SECONDS = 1


def _problem_response(
    request: Request,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> JSONResponse:
    body = problem(status, detail, request.url.path, **extensions)
    return JSONResponse(
        jsonable_encoder(body), status, headers=headers, media_type=PROBLEM_CONTENT_TYPE
    )


async def _domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)  # noqa: S101
    return _problem_response(request, status_for(error), str(error), headers_for(error))


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101
    errors = [
        {"loc": list(entry["loc"]), "message": entry["msg"], "type": entry["type"]}
        for entry in error.errors()
    ]
    return _problem_response(request, 422, "The request is not valid.", errors=errors)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)  # noqa: S101
    return _problem_response(request, error.status_code, str(error.detail), error.headers)


async def _pool_timeout(request: Request, error: Exception) -> JSONResponse:
    logger.warning("no database connection became free in time; shedding load")
    return _problem_response(
        request,
        503,
        "The service is busy; retry shortly.",
        {"Retry-After": str(OVERLOAD_RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(PoolTimeoutError, _pool_timeout)
