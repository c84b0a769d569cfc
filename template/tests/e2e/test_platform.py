"""What every endpoint shares: health, errors, request ids, headers and limits."""

import httpx
import pytest

from ..conftest import make_settings
from .conftest import ServerFactory

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


def test_liveness_and_readiness(anonymous: httpx.Client) -> None:
    live = anonymous.get("/health/live")
    ready = anonymous.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok"})


def test_readiness_fails_while_the_database_is_unreachable(
    start_server: ServerFactory, unreachable_database_url: str
) -> None:
    with start_server(make_settings(unreachable_database_url)) as url:
        ready = httpx.get(f"{url}/health/ready")
        live = httpx.get(f"{url}/health/live")

    assert (ready.status_code, ready.json()["checks"]) == (503, {"database": "unavailable"})
    assert live.status_code == 200


def test_every_response_carries_a_request_id(anonymous: httpx.Client) -> None:
    generated = anonymous.get("/health/live")
    echoed = anonymous.get("/health/live", headers={"X-Request-ID": "trace-123"})
    unsafe = anonymous.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})

    assert len(generated.headers["x-request-id"]) == 32
    assert echoed.headers["x-request-id"] == "trace-123"
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_security_headers_are_set(anonymous: httpx.Client) -> None:
    headers = anonymous.get("/health/live").headers

    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "server" not in headers


def test_unknown_paths_and_methods_are_problems(anonymous: httpx.Client) -> None:
    missing = anonymous.get("/no/such/path")
    wrong_method = anonymous.put("/health/live")

    for response, status in ((missing, 404), (wrong_method, 405)):
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert (body["status"], body["instance"]) == (status, response.url.path)
        assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "streamed"])
def test_oversized_bodies_are_refused(client: httpx.Client, declare_length: bool) -> None:
    oversized = b"x" * (1_048_576 + 1)
    content = oversized if declare_length else iter([oversized[:500_000], oversized[500_000:]])

    response = client.post(
        "/api/v1/items", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_the_openapi_document_describes_the_api(anonymous: httpx.Client) -> None:
    schema = anonymous.get("/openapi.json").json()

    assert {"/health/live", "/health/ready", "/api/v1/items", "/api/v1/items/{item_id}"} <= set(
        schema["paths"]
    )


def test_cross_origin_requests_are_admitted_only_from_the_configured_origins(
    start_server: ServerFactory, database_url: str
) -> None:
    allowed = "https://app.example.com"
    preflight = {"Access-Control-Request-Method": "POST"}
    with start_server(make_settings(database_url, cors_origins=[allowed])) as url:
        admitted = httpx.options(f"{url}/api/v1/items", headers={"Origin": allowed, **preflight})
        foreign = httpx.options(
            f"{url}/api/v1/items", headers={"Origin": "https://elsewhere.example", **preflight}
        )
        simple = httpx.get(f"{url}/health/live", headers={"Origin": allowed})

    # Browsers accept any 2xx answer to a preflight request.
    assert admitted.is_success
    assert admitted.headers["access-control-allow-origin"] == allowed
    assert "POST" in admitted.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in foreign.headers
    assert simple.headers["access-control-allow-origin"] == allowed
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
