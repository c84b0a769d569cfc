"""Rules for the text the service stores and searches: one rule on every database."""

from .errors import InvalidInputError

# PostgreSQL cannot store the NUL character in text. Refusing it everywhere
# keeps the HTTP contract the same whichever database serves it; the schemas
# declare the rule as this pattern.
WITHOUT_NUL = r"^[^\x00]*$"
MAX_SEARCH_LENGTH = 200


def refuse_nul(name: str, value: str) -> str:
    if "\x00" in value:
        raise InvalidInputError(f"{name} must not contain the NUL character")
    return value
