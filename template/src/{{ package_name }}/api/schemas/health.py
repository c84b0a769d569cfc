from pydantic import BaseModel


class Readiness(BaseModel):
    """Whether the service can do its work, and the state of each dependency."""

    status: str
    checks: dict[str, str]
