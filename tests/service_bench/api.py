"""The sample API as the benchmark drives it: a user of its own, a page of items,
and the requests it measures. Only the HTTP contract, the same for every
revision and framework."""

from __future__ import annotations

import json

import httpx

from .wrk import Request

ITEMS = 100
ITEM_TITLE = "benchmark item {}"
# What every created item is called, so that they can be deleted between runs.
CREATE_TITLE = "benchmark create"
USER = {"email": "bench@example.com", "password": "benchmark-password-0123"}
# The measured operations, in the order each round runs them.
OPERATIONS = ("list", "create", "health")
EXPECTED_STATUS = {"list": 200, "create": 201, "health": 200}


class ApiError(RuntimeError):
    pass


def requests(base_url: str, headers: tuple[str, ...]) -> dict[str, Request]:
    """Each measured operation: the first page of 100 items, a new item, liveness."""
    items = f"{base_url}/api/v1/items"
    return {
        "list": Request("GET", f"{items}?limit={ITEMS}", headers),
        "create": Request("POST", items, headers, json.dumps({"title": CREATE_TITLE})),
        "health": Request("GET", f"{base_url}/health/live"),
    }


def send(request: Request) -> httpx.Response:
    headers = dict(header.split(": ", 1) for header in request.headers)
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    return httpx.request(
        request.method, request.url, headers=headers, content=request.body, timeout=30
    )


def check(operation: str, request: Request) -> None:
    """One request answers as the operation should, or the run stops here."""
    response = send(request)
    if response.status_code != EXPECTED_STATUS[operation]:
        raise ApiError(
            f"{request.method} {request.url} answered {response.status_code}: {response.text}"
        )


def sign_in(base_url: str, *, register: bool) -> tuple[str, ...]:
    """The headers of the benchmark's user: registered once, then logged in."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        if register:
            registered = client.post("/api/v1/auth/register", json=USER)
            if registered.status_code != 201:
                raise ApiError(f"registering answered {registered.status_code}: {registered.text}")
        login = client.post("/api/v1/auth/login", json=USER)
        if login.status_code != 200:
            raise ApiError(f"logging in answered {login.status_code}: {login.text}")
    return (f"Authorization: Bearer {login.json()['access_token']}",)


def seed(base_url: str, headers: tuple[str, ...]) -> None:
    """The page that the list returns: 100 items of the benchmark's user."""
    items = requests(base_url, headers)["create"]
    for number in range(ITEMS):
        body = json.dumps({"title": ITEM_TITLE.format(number)})
        response = send(Request(items.method, items.url, headers, body))
        if response.status_code != EXPECTED_STATUS["create"]:
            raise ApiError(f"creating an item answered {response.status_code}: {response.text}")
