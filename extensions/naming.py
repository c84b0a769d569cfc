"""Filters that derive and check names, and quote free text for each file type.

Validators in copier.yml use the tests here so that every rule is written
once, in Python, and stated to the user in plain words by copier.yml.
"""

from __future__ import annotations

import keyword
import re
import secrets
import sys
import unicodedata

from jinja2 import Environment
from jinja2.ext import Extension

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
PACKAGE_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# Import names the generated service depends on: a package with one of these
# names would shadow the dependency inside its own environment.
DEPENDENCY_MODULES = frozenset(
    {
        "alembic",
        "argon2",
        "asyncpg",
        "aiosqlite",
        "anyio",
        "django",
        "fastapi",
        "litestar",
        "httpx",
        "jwt",
        "ninja",
        "prometheus_client",
        "psycopg",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "sqlalchemy",
        "starlette",
        "uvicorn",
    }
)


def slugify(text: str) -> str:
    """Turn free text into a DNS-1123 label: 'Café Über API' -> 'cafe-uber-api'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:63].rstrip("-")


def is_dns_label(text: str) -> bool:
    return bool(DNS_LABEL.match(text))


def is_package_identifier(text: str) -> bool:
    return bool(PACKAGE_IDENTIFIER.match(text))


def is_python_keyword(text: str) -> bool:
    return keyword.iskeyword(text) or keyword.issoftkeyword(text)


def shadows_module(text: str) -> bool:
    return text in sys.stdlib_module_names or text in DEPENDENCY_MODULES


def is_email(text: str) -> bool:
    return bool(EMAIL.match(text))


def has_control_characters(text: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(text))


def _escape(text: str, quote: str) -> str:
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return CONTROL_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", escaped)


def double_quoted(text: str) -> str:
    """A double-quoted string literal valid in TOML, YAML and JSON alike."""
    return '"' + _escape(text, '"') + '"'


def python_string(text: str) -> str:
    """A Python string literal quoted the way `ruff format` leaves it.

    Double quotes, unless the text holds double quotes and no single ones.
    """
    if '"' in text and "'" not in text:
        return "'" + _escape(text, "'") + "'"
    return double_quoted(text)


def random_secret(length: int = 48) -> str:
    """A fresh URL-safe secret; used only for files written once at copy time."""
    return secrets.token_urlsafe(length)


class NamingExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            {
                "slugify": slugify,
                "is_dns_label": is_dns_label,
                "is_package_identifier": is_package_identifier,
                "is_python_keyword": is_python_keyword,
                "shadows_module": shadows_module,
                "is_email": is_email,
                "has_control_characters": has_control_characters,
                "double_quoted": double_quoted,
                "python_string": python_string,
            }
        )
        environment.globals["random_secret"] = random_secret
