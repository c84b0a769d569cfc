"""Problem details for every failure: Django Ninja's exception handlers for
the API's operations, and the Django error views the URLconf names."""

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from ..database.errors import DatabaseUnavailableError
from ..services.business.errors import DomainError
from .problems import PROBLEM_CONTENT_TYPE, encode, headers_for, problem, status_for

logger = logging.getLogger(__name__)

# How long a client should wait before retrying when the database cannot serve it.
RETRY_AFTER_SECONDS = 1
INVALID_REQUEST = "The request is not valid."


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> HttpResponse:
    body = encode(problem(status, detail, request.path, **extensions))
    return HttpResponse(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return problem_response(request, status_for(error), str(error), headers_for(error))


def _location(loc: Sequence[str | int]) -> list[str | int]:
    # Django Ninja names the body parameter after "body"; the body is the
    # parameter here, as other frameworks report it: ["body", "title"].
    source, *rest = loc
    return [source, *rest[1:]] if source == "body" else [source, *rest]


def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [
        {"loc": _location(entry["loc"]), "message": entry["msg"], "type": entry["type"]}
        for entry in error.errors
    ]
    return problem_response(request, 422, INVALID_REQUEST, errors=errors)


def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400:
        # A body that is not JSON at all: as invalid as one that fails validation.
        errors = [{"loc": ["body"], "message": error.message, "type": "json_invalid"}]
        return problem_response(request, 422, INVALID_REQUEST, errors=errors)
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return problem_response(request, error.status_code, error.message, headers)


def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return not_found(request, error)


def _database_unavailable(request: HttpRequest, error: DatabaseUnavailableError) -> HttpResponse:
    logger.warning("answering 503: %s", error)
    return problem_response(
        request,
        503,
        error.detail,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unhandled(request: HttpRequest, error: Exception) -> HttpResponse:
    # Never a traceback in a response, whatever DEBUG says: the error goes on
    # to Django, which logs it and answers with the URLconf's handler500.
    raise error


# Django Ninja answers with the handler of the nearest class in the exception's MRO.
EXCEPTION_HANDLERS: tuple[tuple[type[Exception], Callable[..., HttpResponse]], ...] = (
    (DomainError, _domain_error),
    (ValidationError, _validation_error),
    (HttpError, _http_error),
    (Http404, _not_found),
    (DatabaseUnavailableError, _database_unavailable),
    (Exception, _unhandled),
)


def install_error_handlers(api: NinjaAPI) -> None:
    for error_type, handler in EXCEPTION_HANDLERS:
        api.exception_handler(error_type)(handler)


# Django's error views (handler400, handler403, handler404 and handler500 in
# the URLconf): the same problem bodies for what happens outside an operation.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(request, 400, HTTPStatus.BAD_REQUEST.phrase)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(request, 403, HTTPStatus.FORBIDDEN.phrase)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return problem_response(request, 404, HTTPStatus.NOT_FOUND.phrase)


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(request, 500, "The server could not complete the request.")


def method_not_allowed(request: HttpRequest, allowed: Iterable[str]) -> HttpResponse:
    methods = ", ".join(sorted(allowed))
    return problem_response(request, 405, HTTPStatus.METHOD_NOT_ALLOWED.phrase, {"Allow": methods})
