"""Each framework's default service, served by its own command, shows its
interactive docs in headless Chromium while every request to a host other
than loopback is refused: Swagger UI (/docs) and ReDoc (/redoc) must draw the
API's operations from the service's own scripts and styles, and must not even
try to reach another host.

A screenshot of each page is kept as build/artifacts/api-docs/<framework>-<page>.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from live_service import LiveService, serve_default_project
from playwright.sync_api import Browser, ConsoleMessage, Route, sync_playwright
from rendering import MODE, MODEL, TEMPLATE_ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("live-service"),
    pytest.mark.skipif(
        MODE == "quick", reason="GROUNDWORK_MATRIX=quick (nox -s quick) starts no service"
    ),
]

ARTIFACTS = TEMPLATE_ROOT / "build" / "artifacts" / "api-docs"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# How long a page may take to fetch the document and draw it.
DRAW_TIMEOUT_MS = 30_000
PAGES = {"/docs": "swagger-ui", "/redoc": "redoc"}
# ReDoc's footer always shows Redocly's logo from its CDN, with no option to
# leave it out; the service's policy refuses it, so the browser never asks.
REFUSED_AS_EXPECTED = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


@pytest.fixture(scope="module", params=MODEL.values("framework"))
def live_service(
    template_repo: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveService]:
    workspace = tmp_path_factory.mktemp("docs-in-browser")
    with serve_default_project(template_repo, workspace, request.param) as service:
        yield service


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright downloads no browser of its own."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "chromium is not installed; run scripts/ensure-services (nox -s tests does)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            yield browser
        finally:
            browser.close()


def operation_summaries(live_service: LiveService) -> list[str]:
    """The summaries of the API's operations on items, as its document states them."""
    with live_service.client() as client:
        document = client.get("/openapi.json").json()
    return [
        operation["summary"]
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/items")
        for operation in item.values()
        if isinstance(operation, dict) and "summary" in operation
    ]


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_lists_the_operations_with_no_other_host_reachable(
    live_service: LiveService, browser: Browser, path: str
) -> None:
    summaries = operation_summaries(live_service)
    requested: list[str] = []
    refused_by_policy: list[str] = []

    def loopback_only(route: Route) -> None:
        requested.append(route.request.url)
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def note_refusal(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text and not any(u in text for u in REFUSED_AS_EXPECTED):
            refused_by_policy.append(text)

    context = browser.new_context()
    try:
        context.route("**/*", loopback_only)
        page = context.new_page()
        page.on("console", note_refusal)
        page.goto(f"{live_service.base_url}{path}")
        for summary in summaries:
            shown = page.get_by_text(summary, exact=True).filter(visible=True)
            shown.first.wait_for(timeout=DRAW_TIMEOUT_MS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=ARTIFACTS / f"{live_service.framework}-{PAGES[path]}.png", full_page=True
        )
    finally:
        context.close()

    assert summaries
    elsewhere = [url for url in requested if urlsplit(url).hostname not in LOOPBACK_HOSTS]
    assert not elsewhere, f"{path} tried to reach other hosts: {elsewhere}"
    assert not refused_by_policy, f"{path} broke its own security policy: {refused_by_policy}"
