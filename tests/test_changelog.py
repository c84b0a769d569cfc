"""CHANGELOG.md is what owners read before `copier update`: one section per
PEP 440 version, newest first, each dated, with unreleased changes on top."""

from __future__ import annotations

import re
from datetime import date

from packaging.version import Version
from rendering import TEMPLATE_ROOT

VERSION_HEADING = re.compile(r"(?P<version>\S+) \((?P<date>\d{4}-\d{2}-\d{2})\)")
NOT_A_VERSION = ("Unreleased", "Known limitations")


def headings() -> list[str]:
    text = (TEMPLATE_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_every_section_is_a_dated_pep_440_version_newest_first() -> None:
    releases = [heading for heading in headings() if heading not in NOT_A_VERSION]
    assert releases, "CHANGELOG.md names no version"
    parsed = []
    for heading in releases:
        match = VERSION_HEADING.fullmatch(heading)
        assert match, f"not 'X.Y.Z (YYYY-MM-DD)': {heading!r}"
        version = Version(match["version"])
        assert str(version) == match["version"], f"not in PEP 440's normal form: {heading!r}"
        parsed.append((version, date.fromisoformat(match["date"])))
    assert parsed == sorted(parsed, reverse=True), "versions and dates are not newest first"


def test_unreleased_changes_come_before_every_version() -> None:
    sections = headings()
    if "Unreleased" in sections:
        assert sections[0] == "Unreleased"
