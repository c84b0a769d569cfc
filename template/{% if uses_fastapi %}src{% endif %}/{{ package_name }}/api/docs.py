"""The interactive API docs, Swagger UI at /docs and ReDoc at /redoc, with
their scripts and styles served by the service itself, so they work offline."""

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from openapi_ui_bundles import redoc, swagger_ui

ASSETS_PATH = "/docs/assets"
# An empty icon: the browser asks no one for one.
NO_FAVICON = "data:,"


def install_docs(app: FastAPI) -> None:
    """Serve the docs pages and their assets; none of them is in the API document."""
    openapi_url = app.openapi_url or "/openapi.json"
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def swagger_ui_page() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=NO_FAVICON,
        )

    @router.get("/redoc")
    async def redoc_page() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc/redoc.standalone.js",
            redoc_favicon_url=NO_FAVICON,
            with_google_fonts=False,
        )

    app.include_router(router)
    app.mount(f"{ASSETS_PATH}/swagger-ui", StaticFiles(directory=swagger_ui.static_path))
    app.mount(f"{ASSETS_PATH}/redoc", StaticFiles(directory=redoc.static_path))
