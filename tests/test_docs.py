"""The documents keep up with the command line: every command and option is described in
docs/commands.md and has help text, and the README stays short with set-up commands that work."""

import argparse
import re
from pathlib import Path

import pytest

from citynews.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
COMMANDS_DOC = ROOT / "docs" / "commands.md"
README = ROOT / "README.md"
CI_SCRIPT = ROOT / ".ci" / "run"
README_MAX_LINES = 220
INSTALL_AND_CRAWL = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && citynews crawl"
)
INSTALL_AND_TEST = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest -q"
)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """A parser's subcommands: name -> (its parser, its help in the parent's list)."""
    found: dict[str, tuple[argparse.ArgumentParser, str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                found[name] = (subparser, helps.get(name, ""))
    return found


def walk_commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """Every command that runs (db's actions, not db itself): (name, parser, help)."""
    commands = []
    for name, (subparser, help_text) in subcommands(parser).items():
        full_name = f"{prefix}{name}"
        if subcommands(subparser):
            commands.append((full_name, subparser, help_text))
            commands.extend(walk_commands(subparser, f"{full_name} "))
        else:
            commands.append((full_name, subparser, help_text))
    return commands


def own_arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        action
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
    ]


COMMANDS = walk_commands(build_parser())
COMMAND_IDS = [name for name, _, _ in COMMANDS]


def command_sections() -> dict[str, str]:
    """docs/commands.md cut at its '## `citynews NAME`' and '### `citynews NAME`' headings."""
    text = COMMANDS_DOC.read_text(encoding="utf-8")
    heading = re.compile(r"^#{2,3} `citynews ([a-z ]+)`", re.MULTILINE)
    matches = list(heading.finditer(text))
    return {
        match.group(1).strip(): text[
            match.end() : matches[index + 1].start() if index + 1 < len(matches) else len(text)
        ]
        for index, match in enumerate(matches)
    }


def test_the_parser_has_the_known_commands() -> None:
    names = set(COMMAND_IDS)
    assert {"crawl", "export", "search", "status", "db upgrade", "db reindex"} <= names


@pytest.mark.parametrize(("name", "parser", "help_text"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_has_help_text(
    name: str, parser: argparse.ArgumentParser, help_text: str
) -> None:
    assert help_text.strip(), f"citynews {name} has no help text"


@pytest.mark.parametrize(("name", "parser", "help_text"), COMMANDS, ids=COMMAND_IDS)
def test_every_option_has_help_text(
    name: str, parser: argparse.ArgumentParser, help_text: str
) -> None:
    missing = [
        "/".join(action.option_strings) or action.dest
        for action in own_arguments(parser)
        if not (action.help or "").strip()
    ]
    assert missing == [], f"citynews {name}: no help text for {missing}"


@pytest.mark.parametrize(("name", "parser", "help_text"), COMMANDS, ids=COMMAND_IDS)
def test_every_command_has_its_section_in_commands_md(
    name: str, parser: argparse.ArgumentParser, help_text: str
) -> None:
    assert name in command_sections(), f"docs/commands.md has no '## `citynews {name}`' section"


@pytest.mark.parametrize(("name", "parser", "help_text"), COMMANDS, ids=COMMAND_IDS)
def test_every_option_is_described_in_its_command_section(
    name: str, parser: argparse.ArgumentParser, help_text: str
) -> None:
    section = command_sections().get(name, "")
    missing = [
        option
        for action in own_arguments(parser)
        for option in action.option_strings
        if f"`{option}" not in section
    ]
    assert missing == [], f"docs/commands.md, citynews {name}: {missing} not described"


def test_the_top_level_options_are_described() -> None:
    text = COMMANDS_DOC.read_text(encoding="utf-8")
    for action in own_arguments(build_parser()):
        for option in action.option_strings:
            assert f"`citynews {option}" in text or f"`{option}`" in text


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


@pytest.mark.parametrize("command", [INSTALL_AND_CRAWL, INSTALL_AND_TEST])
def test_readme_holds_the_set_up_commands(command: str) -> None:
    assert command in README.read_text(encoding="utf-8").splitlines()


def test_the_readme_test_command_is_what_ci_runs() -> None:
    ci = CI_SCRIPT.read_text(encoding="utf-8")
    assert "pip install -q -e '.[test]'" in ci
    assert re.search(r"^(CI=\S+ )?pytest -q(\s|$)", ci, re.MULTILINE)
