"""Filters that derive and check names, and quote free text for each file type.

Validators in copier.yml use the tests here so that every rule is written
once, in Python, and stated to the user in plain words by copier.yml.
"""

# The transliteration tables hold Cyrillic and Greek letters that look Latin.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import keyword
import re
import secrets
import sys
import unicodedata

from jinja2 import Environment
from jinja2.ext import Extension

SLUG_MAX_LENGTH = 63
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
PACKAGE_NAME_MAX_LENGTH = 32
# Appended to a derived package name that is a keyword or a module's name.
PACKAGE_SUFFIX = "_service"
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
        "bandit",
        "detect_secrets",
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
        "schemathesis",
        "sqlalchemy",
        "starlette",
        "uvicorn",
    }
)


# Letters that Unicode does not decompose into a Latin letter and a mark.
LATIN_LETTERS = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "þ": "th",
    "ħ": "h",
    "ı": "i",
    "ŋ": "ng",
    "ə": "e",
}

# Cyrillic: the transliteration of ICAO Doc 9303 (machine-readable travel
# documents, part 3), which Russian, Ukrainian, Belarusian, Bulgarian and
# Serbian passports follow. Its one table is used for every language, without
# the per-language exceptions (Ukrainian И is I here, not Y; Г is always G).
CYRILLIC_LETTERS = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "ѓ": "g",
    "ђ": "d",
    "е": "e",
    "ё": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "ѕ": "dz",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "ј": "j",
    "к": "k",
    "л": "l",
    "љ": "lj",
    "м": "m",
    "н": "n",
    "њ": "nj",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ћ": "c",
    "ќ": "k",
    "у": "u",
    "ў": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "џ": "dz",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}

# Greek: ELOT 743 (ISO 843) transliteration, which Greek passports follow;
# GREEK_DIGRAPHS below handles the letter pairs it writes differently.
GREEK_LETTERS = {
    "α": "a",
    "β": "v",
    "γ": "g",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "i",
    "θ": "th",
    "ι": "i",
    "ϊ": "i",
    "κ": "k",
    "λ": "l",
    "μ": "m",
    "ν": "n",
    "ξ": "x",
    "ο": "o",
    "π": "p",
    "ρ": "r",
    "σ": "s",
    "ς": "s",
    "τ": "t",
    "υ": "y",
    "ϋ": "y",
    "φ": "f",
    "χ": "ch",
    "ψ": "ps",
    "ω": "o",
}
# αυ, ευ, ηυ are af, ef, if before a voiceless consonant or at the end of a
# word, else av, ev, iv; a diaeresis (ϋ) keeps the vowels apart.
GREEK_DIPHTHONG = re.compile(r"([αεη])υ(?:(?=[θκξπσςτφχψ])|(?![α-ωϊϋ]))|([αεη])υ")
GREEK_DIGRAPHS = {"ου": "ou", "γγ": "ng", "γξ": "nx", "γχ": "nch"}
GREEK_DIGRAPH = re.compile("|".join(GREEK_DIGRAPHS))
GREEK_DIALYTIKA = "\u0308"

# Japanese kana: modified Hepburn, with long vowels unmarked (as on passports):
# サービス is sabisu. Katakana are read as the hiragana with the same sound.
KANA_ROWS = {
    "あいうえお": "a i u e o",
    "かきくけこ": "ka ki ku ke ko",
    "がぎぐげご": "ga gi gu ge go",
    "さしすせそ": "sa shi su se so",
    "ざじずぜぞ": "za ji zu ze zo",
    "たちつてと": "ta chi tsu te to",
    "だぢづでど": "da ji zu de do",
    "なにぬねの": "na ni nu ne no",
    "はひふへほ": "ha hi fu he ho",
    "ばびぶべぼ": "ba bi bu be bo",
    "ぱぴぷぺぽ": "pa pi pu pe po",
    "まみむめも": "ma mi mu me mo",
    "やゆよ": "ya yu yo",
    "らりるれろ": "ra ri ru re ro",
    "わゐゑを": "wa i e o",
    "んゔゕゖ": "n vu ka ke",
}
KANA_SYLLABLES = {
    kana: latin
    for row, latins in KANA_ROWS.items()
    for kana, latin in zip(row, latins.split(), strict=True)
}
# Small ya, yu, yo join the syllable before: き + ゃ is kya, し + ゃ is sha.
KANA_SMALL_Y = {"ゃ": "ya", "ゅ": "yu", "ょ": "yo"}
# Small vowels replace the vowel before: フ + ァ is fa, テ + ィ is ti.
KANA_SMALL_VOWELS = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゎ": "wa"}
KANA_SOKUON = "っ"  # doubles the next consonant: かっぱ is kappa
KANA_LONG_VOWEL = "ー"
KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
KATAKANA_SYLLABLES = {"ヷ": "va", "ヸ": "vi", "ヹ": "ve", "ヺ": "vo"}

LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo"})


def _strip_greek_accents(text: str) -> str:
    """Drop Greek accents and breathings, keeping the diaeresis that splits a diphthong."""

    def strip(match: re.Match[str]) -> str:
        decomposed = unicodedata.normalize("NFD", match.group())
        kept = "".join(
            char
            for char in decomposed
            if not unicodedata.combining(char) or char == GREEK_DIALYTIKA
        )
        return unicodedata.normalize("NFC", kept)

    return re.sub(r"[\u0370-\u03ff\u1f00-\u1fff]", strip, text)


def _greek_to_latin(text: str) -> str:
    """Write Greek letter pairs in Latin (ELOT 743); single letters are left for later."""

    def diphthong(match: re.Match[str]) -> str:
        if match.group(1):
            return GREEK_LETTERS[match.group(1)] + "f"
        return GREEK_LETTERS[match.group(2)] + "v"

    text = GREEK_DIPHTHONG.sub(diphthong, _strip_greek_accents(text))
    return GREEK_DIGRAPH.sub(lambda match: GREEK_DIGRAPHS[match.group()], text)


def _kana_to_latin(text: str) -> str:
    """Write Japanese kana in modified Hepburn; other characters pass through."""
    pieces: list[str] = []
    # Whether the last piece is a kana syllable, which small kana attach to.
    after_syllable = False
    doubled = False
    for char in text.translate(KATAKANA_TO_HIRAGANA):
        if char == KANA_SOKUON:
            doubled = True
            continue
        if char == KANA_LONG_VOWEL:
            continue
        syllable = KANA_SYLLABLES.get(char) or KATAKANA_SYLLABLES.get(char)
        if char in KANA_SMALL_Y and after_syllable and pieces[-1].endswith("i"):
            stem = pieces.pop()[:-1]
            small = KANA_SMALL_Y[char]
            pieces.append(stem + (small[1:] if stem in {"sh", "ch", "j"} else small))
        elif char in KANA_SMALL_VOWELS and after_syllable and len(pieces[-1]) > 1:
            pieces.append(pieces.pop()[:-1] + KANA_SMALL_VOWELS[char])
        elif char in KANA_SMALL_VOWELS and after_syllable and pieces[-1] in {"u", "i"}:
            # ウィ is wi, イェ is ye.
            pieces.append({"u": "w", "i": "y"}[pieces.pop()] + KANA_SMALL_VOWELS[char])
        elif char in KANA_SMALL_VOWELS or char in KANA_SMALL_Y:
            pieces.append(KANA_SMALL_VOWELS.get(char) or KANA_SMALL_Y[char])
        elif syllable:
            if doubled and syllable[0] not in "aiueon":
                pieces.append("t" if syllable.startswith("ch") else syllable[0])
            pieces.append(syllable)
        else:
            pieces.append(char)
            after_syllable = doubled = False
            continue
        after_syllable = True
        doubled = False
    return "".join(pieces)


def _letter_to_ascii(char: str) -> str | None:
    """One character in ASCII: a letter or digit transliterated, a mark dropped,
    anything else a space; None for a letter with no transliteration here."""
    if char.isascii():
        return char
    for table in (LATIN_LETTERS, CYRILLIC_LETTERS, GREEK_LETTERS):
        if char in table:
            return table[char]
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    # Latin letters with accents: the letter without its marks.
    base = "".join(
        part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
    )
    if base and base.isascii():
        return base
    if category in LETTER_CATEGORIES:
        return None
    # Marks and modifier letters belong to the letter before; the rest separates words.
    return "" if category.startswith("M") or category == "Lm" else " "


def transliterate(text: str) -> str | None:
    """Lowercase ASCII for free text, or None if a letter in it has no transliteration.

    Latin letters lose their accents; Cyrillic, Greek and Japanese kana are
    transliterated (see the tables above); kanji, hanzi and other scripts have
    no transliteration here, and a name holding any of them derives nothing.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    letters = [_letter_to_ascii(char) for char in _kana_to_latin(_greek_to_latin(text))]
    if None in letters:
        return None
    return "".join(letter or "" for letter in letters)


def slugify(text: str) -> str:
    """Turn free text into a DNS-1123 label: 'Café Über API' -> 'cafe-uber-api',
    'Склад Сервис' -> 'sklad-servis'; '' when nothing can be derived ('!!!', '在庫')."""
    ascii_text = transliterate(text) or ""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-")


def is_dns_label(text: str) -> bool:
    return bool(DNS_LABEL.match(text))


def is_package_identifier(text: str) -> bool:
    return bool(PACKAGE_IDENTIFIER.match(text))


def is_short_package_name(text: str) -> bool:
    return len(text) <= PACKAGE_NAME_MAX_LENGTH


def is_python_keyword(text: str) -> bool:
    return keyword.iskeyword(text) or keyword.issoftkeyword(text)


def shadows_module(text: str) -> bool:
    return text in sys.stdlib_module_names or text in DEPENDENCY_MODULES


def is_valid_package_name(text: str) -> bool:
    """Every rule copier.yml states for package_name."""
    return (
        is_package_identifier(text)
        and is_short_package_name(text)
        and not is_python_keyword(text)
        and not shadows_module(text)
    )


def package_name_from_slug(slug: str) -> str:
    """The package name a slug suggests, always valid, or '' if there is none.

    Hyphens become underscores and what cannot start an identifier (leading
    digits) is dropped: '123-service' -> 'service'. The name is cut to its
    maximum length. A keyword or a module's name gets PACKAGE_SUFFIX:
    'json' -> 'json_service', 'class' -> 'class_service'. '123' -> ''.
    """
    name = slug.replace("-", "_").lstrip("0123456789_")
    name = name[:PACKAGE_NAME_MAX_LENGTH].rstrip("_")
    if name and (is_python_keyword(name) or shadows_module(name)):
        name += PACKAGE_SUFFIX
    return name if is_valid_package_name(name) else ""


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
                "package_name_from_slug": package_name_from_slug,
                "is_dns_label": is_dns_label,
                "is_package_identifier": is_package_identifier,
                "is_short_package_name": is_short_package_name,
                "is_python_keyword": is_python_keyword,
                "shadows_module": shadows_module,
                "is_email": is_email,
                "has_control_characters": has_control_characters,
                "double_quoted": double_quoted,
                "python_string": python_string,
            }
        )
        environment.globals["random_secret"] = random_secret
