"""What a command of the service's command line is."""

import argparse
from collections.abc import Callable
from importlib import import_module
from typing import Any, NamedTuple

# Adds a command's options to its parser; the command's function takes them by name.
Options = Callable[[argparse.ArgumentParser], None]


class Command(NamedTuple):
    """A command names its function as "module:function", imported only when the
    command runs: listing the commands, or running one, loads nothing that only
    the others need (Alembic, Django's migration machinery, the web server)."""

    function: str
    help: str
    options: Options | None = None

    def resolve(self) -> Callable[..., None]:
        module, _, name = self.function.partition(":")
        function: Callable[..., None] = getattr(import_module(module), name)
        return function

    def run(self, **options: Any) -> None:
        self.resolve()(**options)
