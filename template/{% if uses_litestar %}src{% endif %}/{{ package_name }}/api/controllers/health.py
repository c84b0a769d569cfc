from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from ...core.readiness import ReadinessProbe
from ..schemas.health import Readiness


class HealthController(Controller):
    path = "/health"
    tags = ("health",)

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        summary="The service can do its work: its dependencies answer",
        responses={
            503: ResponseSpec(data_container=Readiness, description="A dependency is unavailable")
        },
    )
    async def ready(self, readiness: NamedDependency[ReadinessProbe]) -> Response[Readiness]:
        answer = Readiness.of(await readiness.check())
        return Response(answer, status_code=200 if answer.is_ready else 503)
