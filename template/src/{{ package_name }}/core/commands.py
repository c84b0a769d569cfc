"""What a command of the service's command line is."""

from collections.abc import Callable
from importlib import import_module
from typing import NamedTuple


class Command(NamedTuple):
    """A command names its function as "module:function", imported only when the
    command runs: listing the commands, or running one, loads nothing that only
    the others need (Alembic, Django's migration machinery, the web server)."""

    function: str
    help: str

    def resolve(self) -> Callable[[], None]:
        module, _, name = self.function.partition(":")
        function: Callable[[], None] = getattr(import_module(module), name)
        return function

    def run(self) -> None:
        self.resolve()()
