from django.http import HttpRequest
from ninja import Router, Status

from ..dependencies import readiness_of
from ..schemas.health import Readiness

router = Router(tags=["health"])


@router.get("/live", response=dict[str, str], summary="The process is up")
async def live(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    response={200: Readiness, 503: Readiness},
    summary="The service can do its work: its dependencies answer",
    openapi_extra={"responses": {503: {"description": "A dependency is unavailable"}}},
)
async def ready(request: HttpRequest) -> Status[Readiness]:
    answer = Readiness.of(await readiness_of(request).check())
    return Status(200 if answer.is_ready else 503, answer)
