"""Who may do what: the one table that maps roles to permissions."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"


class Permission(StrEnum):
    READ_ANY_ITEM = "items:read-any"
    CHANGE_ANY_ITEM = "items:change-any"
    LIST_USERS = "users:list"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.USER: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: UUID
    role: Role

    def has(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]
