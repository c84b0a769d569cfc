"""How the API document describes problem responses."""

from http import HTTPStatus
from typing import Any

from .problems import PROBLEM_CONTENT_TYPE, UNAVAILABLE, Problem


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses an operation can return, and
    the 503 every operation may answer while the database cannot serve it: their
    body refers to the Problem schema, which `with_problem_schema` provides."""
    reference = {"$ref": f"#/components/schemas/{Problem.__name__}"}
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
        }
        for status in (*statuses, UNAVAILABLE)
    }


def documented_problems(*statuses: int) -> dict[str, Any]:
    """An operation's `openapi_extra`: the problem responses it can return."""
    return {"responses": problem_responses(*statuses)}


def with_problem_schema(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the Problem schema among its components."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas[Problem.__name__] = Problem.model_json_schema()
    return document
