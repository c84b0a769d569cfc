"""Signed access tokens (JWT) and opaque refresh tokens."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import jwt

from ..business.errors import AuthenticationError
from .permissions import Principal, Role

ALGORITHM = "HS256"


class JwtTokenService:
    def __init__(
        self,
        secret_key: str,
        issuer: str,
        audience: str,
        access_token_ttl: timedelta,
    ) -> None:
        self._secret_key = secret_key
        self._issuer = issuer
        self._audience = audience
        self.access_token_ttl = access_token_ttl

    def issue_access_token(self, principal: Principal, now: datetime | None = None) -> str:
        issued_at = now or datetime.now(UTC)
        claims = {
            "sub": str(principal.user_id),
            "role": principal.role.value,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self.access_token_ttl,
            "jti": uuid4().hex,
        }
        return jwt.encode(claims, self._secret_key, algorithm=ALGORITHM)

    def read_access_token(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret_key,
                # An explicit list: a token cannot choose its own algorithm ("none").
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "role", "iss", "aud", "iat", "exp"]},
            )
            return Principal(user_id=UUID(claims["sub"]), role=Role(claims["role"]))
        except (jwt.PyJWTError, ValueError) as error:
            raise AuthenticationError("The access token is invalid or expired.") from error

    @staticmethod
    def new_refresh_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def fingerprint(refresh_token: str) -> str:
        """Only this digest is stored, so a leaked table cannot be replayed."""
        return hashlib.sha256(refresh_token.encode()).hexdigest()
