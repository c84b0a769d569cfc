"""Compiled Jinja code, shared between the renders of one test process.

Copier builds a new Jinja environment for every render, and compiles every
template file and every templated path again: about half of a render's time.
A test session renders the same template a few hundred times, so the code
compiled for one render serves the next. Compiled code depends only on the
source, its name, and the options and extensions of the environment that
compiles it, which together make the key: what renders is the same
(test_render.py renders a project both ways and compares them). The file name
is left out, since Copier renders each time from a new clone of the template:
a traceback from a template may name an earlier render's clone.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from types import CodeType
from typing import Any

import jinja2

_compile_each_time = jinja2.Environment.compile
_compiled: dict[tuple[Hashable, ...], CodeType] = {}


def _code_options(environment: jinja2.Environment) -> tuple[Hashable, ...]:
    """What, besides the source, shapes the code an environment compiles."""
    return (
        type(environment),
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        environment.is_async,
        environment.autoescape,
        environment.finalize,
        tuple(sorted(environment.extensions)),
        tuple(sorted(environment.filters)),
        tuple(sorted(environment.tests)),
        frozenset(getattr(environment, "intercepted_binops", ())),
        frozenset(getattr(environment, "intercepted_unops", ())),
    )


def _compile_once(
    self: jinja2.Environment,
    source: Any,
    name: str | None = None,
    filename: str | None = None,
    raw: bool = False,
    defer_init: bool = False,
) -> Any:
    if raw or not isinstance(source, str):
        return _compile_each_time(self, source, name, filename, raw, defer_init)
    key = (_code_options(self), source, name, defer_init)
    code = _compiled.get(key)
    if code is None:
        code = _compiled[key] = _compile_each_time(self, source, name, filename, raw, defer_init)
    return code


def share_compiled_templates() -> None:
    """From now on, each distinct template is compiled once in this process."""
    jinja2.Environment.compile = _compile_once  # type: ignore[method-assign,assignment]


@contextmanager
def compiled_each_time() -> Iterator[None]:
    """Within the block, Jinja compiles as it does on its own."""
    shared = jinja2.Environment.compile
    jinja2.Environment.compile = _compile_each_time  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.compile = shared  # type: ignore[method-assign]
