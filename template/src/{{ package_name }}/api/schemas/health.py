from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel

State = Literal["ok", "unavailable"]


class Readiness(BaseModel):
    """Whether the service can do its work, and the state of each dependency."""

    status: State
    checks: dict[str, State]

    @classmethod
    def of(cls, checks: Mapping[str, bool]) -> Self:
        """Ready when every dependency answered."""
        return cls(
            status="ok" if all(checks.values()) else "unavailable",
            checks={name: "ok" if up else "unavailable" for name, up in checks.items()},
        )

    @property
    def is_ready(self) -> bool:
        return self.status == "ok"
