"""What a command of the service's command line is."""

from collections.abc import Callable
from typing import NamedTuple


class Command(NamedTuple):
    run: Callable[[], None]
    help: str
