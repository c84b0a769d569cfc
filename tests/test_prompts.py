"""The questions at a real prompt: `copier copy` in an 80-column pseudo-terminal,
read as the terminal shows it. A refused answer shows its whole rule on the line
under the question, the question is asked again, and no answer ends in a
traceback."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import copier
import pexpect
import pyte
import pytest
import yaml
from answers import NOT_ASKED
from checks import executable
from rendering import MODEL, PROJECT_NAME, TEMPLATE_ROOT

ROWS, COLUMNS = 24, 80
# Generous: the machine may be busy; nothing here measures time.
PROMPT_TIMEOUT = 120
RENDER_TIMEOUT = 600
QUESTION_MARK = "🎤"
CLEAR_LINE = "\x15"  # Ctrl-U: delete the input (a default is typed in already)
ENTER = "\r"


class Terminal:
    """A program in a pseudo-terminal, and the screen it draws."""

    def __init__(self, command: list[str]) -> None:
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        environment = {
            **os.environ,
            "TERM": "xterm",
            "COLUMNS": str(COLUMNS),
            "LINES": str(ROWS),
            # The emulated screen answers no cursor position requests.
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        self.child = pexpect.spawn(
            command[0], command[1:], dimensions=(ROWS, COLUMNS), env=environment
        )
        self.ended = False

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def read(self, timeout: float) -> None:
        try:
            self.stream.feed(self.child.read_nonblocking(65536, timeout=timeout))
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            self.ended = True

    def wait_for_line(self, text: str, timeout: float = PROMPT_TIMEOUT) -> str:
        """Wait until one line of the screen holds `text` whole; return that line."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if text in line:
                    return line
            assert "Traceback" not in self.text, self.text
            if self.ended or time.monotonic() > deadline:
                pytest.fail(f"never shown on one line: {text!r}\nscreen:\n{self.text}")
            self.read(timeout=0.5)

    def question(self, help_text: str, timeout: float = PROMPT_TIMEOUT) -> str:
        """Wait until a question whose line holds `help_text` is asked; return its line."""
        deadline = time.monotonic() + timeout
        while True:
            if self.lines_of_questions and help_text in self.lines_of_questions[-1]:
                return self.lines_of_questions[-1]
            assert "Traceback" not in self.text, self.text
            if self.ended or time.monotonic() > deadline:
                pytest.fail(f"never asked: {help_text!r}\nscreen:\n{self.text}")
            self.read(timeout=0.5)

    @property
    def lines_of_questions(self) -> list[str]:
        return [line for line in self.lines if line.startswith(QUESTION_MARK)]

    def last_question(self) -> str:
        return self.lines_of_questions[-1]

    def answer(self, text: str) -> None:
        self.child.send(CLEAR_LINE + text + ENTER)

    def accept(self) -> None:
        self.child.send(ENTER)

    def finish(self, timeout: float = RENDER_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while not self.ended:
            assert time.monotonic() < deadline, f"still running:\n{self.text}"
            self.read(timeout=1)
        self.child.close()
        assert "Traceback" not in self.text, self.text
        status = self.child.exitstatus
        assert isinstance(status, int), f"ended by signal {self.child.signalstatus}"
        return status

    def stop(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


def questions() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = yaml.safe_load(
        (TEMPLATE_ROOT / "copier.yml").read_text(encoding="utf-8")
    )
    return {name: question for name, question in loaded.items() if not name.startswith("_")}


# Words of the questions whose help copier.yml templates, in every variant.
TEMPLATED_HELP = {"project_slug": "for the repository, ", "package_name": "Python package name ("}


def help_of(question: str) -> str:
    """Words that show on the question's line."""
    if question in TEMPLATED_HELP:
        return TEMPLATED_HELP[question]
    text: str = questions()[question]["help"]
    assert "{" not in text, f"{question}'s help is templated: add it to TEMPLATED_HELP"
    return text


def questions_after(question: str) -> list[str]:
    """The questions asked after `question` when every answer is the default:
    not those whose `when` is then false (the broker, without a queue)."""
    names = list(questions())
    return [
        name
        for name in names[names.index(question) + 1 :]
        if MODEL.row(MODEL.defaults).get(name) is not NOT_ASKED
    ]


def refusal(template_repo: Path, destination: Path, **answers: str) -> str:
    """What Copier says of these answers through its API: the prompt must show it whole."""
    with pytest.raises(ValueError, match="Validation error") as raised:
        copier.run_copy(
            str(template_repo),
            destination,
            data={"project_name": PROJECT_NAME, **answers},
            defaults=True,
            unsafe=True,
            quiet=True,
        )
    return str(raised.value)


CopierCopy = Callable[[], Terminal]


@pytest.fixture
def copier_copy(template_repo: Path, tmp_path: Path) -> Iterator[CopierCopy]:
    """`copier_copy()` starts `copier copy` of the template into tmp_path / 'project'."""
    started: list[Terminal] = []

    def start() -> Terminal:
        terminal = Terminal(
            [
                executable("copier"),
                "copy",
                "--trust",
                "--vcs-ref",
                "HEAD",
                str(template_repo),
                str(tmp_path / "project"),
            ]
        )
        started.append(terminal)
        return terminal

    yield start
    for terminal in started:
        terminal.stop()


def answers_file(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (project / ".copier-answers.yml").read_text(encoding="utf-8")
    )
    return loaded


def assert_refused_and_asked_again(terminal: Terminal, message: str, question_line: str) -> None:
    line = terminal.wait_for_line(message)
    # The whole rule is on screen, on its own line, nothing cut off.
    assert line == message, terminal.text
    assert terminal.last_question() == question_line, terminal.text


def accept_the_remaining_defaults(terminal: Terminal, after: str) -> None:
    for question in questions_after(after):
        terminal.question(help_of(question))
        terminal.accept()


@pytest.mark.parametrize("name", ["!!!", "在庫サービス"], ids=["punctuation", "japanese"])
def test_a_name_without_a_slug_asks_for_one_and_refuses_a_bad_one(
    copier_copy: CopierCopy, template_repo: Path, tmp_path: Path, name: str
) -> None:
    slug_rule = refusal(template_repo, tmp_path / "refused", project_slug="Zaiko Service")
    terminal = copier_copy()

    terminal.question(help_of("project_name"))
    terminal.answer(name)
    # No slug derives from the name: the prompt says so and offers no default.
    slug_question = terminal.question("none derives from the name")
    assert terminal.lines[terminal.lines.index(slug_question) + 1].strip() == "", terminal.text
    terminal.answer("Zaiko Service")
    assert_refused_and_asked_again(terminal, slug_rule, slug_question)
    terminal.answer("zaiko-service")
    terminal.question(help_of("package_name"))
    terminal.wait_for_line("zaiko_service")  # derived from the slug
    terminal.accept()
    accept_the_remaining_defaults(terminal, after="package_name")

    assert terminal.finish() == 0, terminal.text
    project = tmp_path / "project"
    answers = answers_file(project)
    assert answers["project_name"] == name
    assert (answers["project_slug"], answers["package_name"]) == ("zaiko-service", "zaiko_service")
    assert (project / "src" / "zaiko_service" / "__init__.py").is_file()


def test_a_typed_package_name_that_shadows_a_module_is_asked_again(
    copier_copy: CopierCopy, template_repo: Path, tmp_path: Path
) -> None:
    package_rule = refusal(template_repo, tmp_path / "refused", package_name="json")
    terminal = copier_copy()

    terminal.question(help_of("project_name"))
    terminal.answer(PROJECT_NAME)
    terminal.wait_for_line("inventory-service")
    terminal.accept()
    package_question = terminal.question(help_of("package_name"))
    terminal.answer("json")
    assert_refused_and_asked_again(terminal, package_rule, package_question)
    terminal.answer("inventory_service")
    accept_the_remaining_defaults(terminal, after="package_name")

    assert terminal.finish() == 0, terminal.text
    assert answers_file(tmp_path / "project")["package_name"] == "inventory_service"


# (question, a refused answer, an accepted one), in the order Copier asks.
FREE_TEXT = [
    pytest.param("project_name", "   ", PROJECT_NAME, id="project_name"),
    pytest.param("project_slug", "-inventory", "inventory", id="project_slug"),
    pytest.param("package_name", "class", "inventory", id="package_name"),
    pytest.param("description", "d" * 201, "Keeps stock", id="description"),
    pytest.param("author_name", " ", "Stock Team", id="author_name"),
    pytest.param("author_email", "stock team@example.com", "stock@example.com", id="author_email"),
]


@pytest.mark.parametrize(("question", "refused", "accepted"), FREE_TEXT)
def test_every_free_text_question_refuses_with_its_whole_rule_and_asks_again(
    copier_copy: CopierCopy,
    template_repo: Path,
    tmp_path: Path,
    question: str,
    refused: str,
    accepted: str,
) -> None:
    rule = refusal(template_repo, tmp_path / "refused", **{question: refused})
    terminal = copier_copy()
    names = list(questions())

    for earlier in names[: names.index(question)]:
        terminal.question(help_of(earlier))
        if earlier == "project_name":
            terminal.answer(PROJECT_NAME)
        else:
            terminal.accept()
    question_line = terminal.question(help_of(question))
    terminal.answer(refused)
    assert_refused_and_asked_again(terminal, rule, question_line)
    terminal.answer(accepted)
    # Accepted: Copier moves on to the next question.
    terminal.question(help_of(names[names.index(question) + 1]))
