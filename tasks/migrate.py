"""Carry a project across a renamed question or a moved file on `copier update`.

copier.yml runs these as `_migrations`, in the project:

    rename-answer OLD NEW   (stage "before", so the new version renders with it)
        the recorded answer to the question OLD becomes the answer to NEW.
    move-file OLD NEW       (stage "after", once Copier has written NEW)
        the owner's edits to OLD are merged into NEW, three ways: the base is
        OLD as the previous template version rendered it, so only the owner's
        own changes move, and where they meet the template's changes both are
        left between conflict markers, as Copier leaves any other conflict.

Each does nothing when there is nothing to carry (the project never had OLD,
already has NEW, or never changed OLD), so running one twice changes nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import copier
import yaml

ANSWERS_FILE = ".copier-answers.yml"
# git merge-file exits with the number of conflicts (at most 127), above on error.
MAX_CONFLICTS = 127


def git(*arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], check=check, capture_output=True, text=True)  # noqa: S607


def rename_answer(old: str, new: str) -> None:
    """Rename the top-level key in place: every other line stays as Copier wrote it."""
    answers = Path(ANSWERS_FILE)
    lines = answers.read_text(encoding="utf-8").splitlines(keepends=True)
    if any(line.startswith(f"{new}:") for line in lines):
        return
    key = re.compile(rf"^{re.escape(old)}:")
    answers.write_text("".join(key.sub(f"{new}:", line, count=1) for line in lines), "utf-8")


def committed(path: str) -> str | None:
    """The file as the owner last committed it (the update itself is not committed yet)."""
    shown = git("show", f"HEAD:{path}", check=False)
    return shown.stdout if shown.returncode == 0 else None


def render_previous_version(destination: Path) -> None:
    """The project as the template version it was updated from rendered it."""
    recorded = yaml.safe_load(committed(ANSWERS_FILE) or "{}")
    copier.run_copy(
        recorded["_src_path"],
        destination,
        data={key: value for key, value in recorded.items() if not key.startswith("_")},
        vcs_ref=os.environ["VERSION_FROM"],
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )


def move_file(old: str, new: str) -> None:
    ours = committed(old)
    if ours is None or committed(new) is not None or not Path(new).is_file():
        return
    with tempfile.TemporaryDirectory() as workspace:
        previous = Path(workspace) / "previous"
        render_previous_version(previous)
        base = previous / old
        if base.is_file() and base.read_text(encoding="utf-8") == ours:
            return  # the owner never changed it: the template's new file stands
        owners = Path(workspace) / "owners"
        owners.write_text(ours, encoding="utf-8")
        # Copier's labels, in Copier's order: the owner's side first.
        labels = ("-L", "before updating", "-L", "last update", "-L", "after updating")
        base_or_empty = str(base) if base.is_file() else os.devnull
        merged = git("merge-file", "-p", *labels, str(owners), base_or_empty, new, check=False)
        if merged.returncode > MAX_CONFLICTS:
            raise SystemExit(f"merging {old} into {new} failed: {merged.stderr}")
        Path(new).write_text(merged.stdout, encoding="utf-8")
    Path(old).unlink(missing_ok=True)


ACTIONS = {"rename-answer": rename_answer, "move-file": move_file}


def main(arguments: list[str]) -> int:
    if len(arguments) != 3 or arguments[0] not in ACTIONS:
        print(f"usage: migrate.py {{{'|'.join(ACTIONS)}}} OLD NEW", file=sys.stderr)
        return 2
    action, old, new = arguments
    ACTIONS[action](old, new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
