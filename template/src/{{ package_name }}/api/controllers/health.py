import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ..dependencies import ContainerDep

router = APIRouter(prefix="/health", tags=["health"])
logger = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


@router.get("/live", summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="The service can do its work: its dependencies answer",
    responses={503: {"description": "A dependency is unavailable"}},
)
async def ready(container: ContainerDep) -> JSONResponse:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            async with container.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("readiness check failed: database unavailable", exc_info=True)
        return JSONResponse(
            {"status": "unavailable", "checks": {"database": "unavailable"}}, status_code=503
        )
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})
