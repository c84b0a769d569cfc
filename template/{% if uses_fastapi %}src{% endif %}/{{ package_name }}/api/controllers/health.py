from fastapi import APIRouter, Response

from ..dependencies import ReadinessDep
from ..schemas.health import Readiness

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", summary="The process is up")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="The service can do its work: its dependencies answer",
    responses={503: {"description": "A dependency is unavailable", "model": Readiness}},
)
async def ready(readiness: ReadinessDep, response: Response) -> Readiness:
    answer = Readiness.of(await readiness.check())
    if not answer.is_ready:
        response.status_code = 503
    return answer
