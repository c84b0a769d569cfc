"""Which Python interpreters uv can find on this machine."""

from __future__ import annotations

import shutil
import subprocess


def pyenv_versions() -> str | None:
    """Every pyenv Python, the selected ones first (they stay `python3`), colon separated.

    uv finds `python3.12` and `python3.13` through pyenv's shims only when
    PYENV_VERSION names them. pyenv's shims export PYENV_VERSION set to the
    selected version alone, so a set variable is extended, not trusted.
    """
    if shutil.which("pyenv") is None:
        return None

    def pyenv(*args: str) -> str:
        return subprocess.run(["pyenv", *args], capture_output=True, text=True, check=False).stdout

    selected = [version for version in pyenv("version-name").strip().split(":") if version]
    listed = pyenv("versions", "--bare").split()
    ordered = selected + [version for version in listed if version not in selected]
    return ":".join(ordered) or None
