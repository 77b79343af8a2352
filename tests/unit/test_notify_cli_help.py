"""Every sub-command and option of `kup-console` (`notify` among them) has a help text, walking
the parser's tree as `kup-console … --help` shows it."""

from __future__ import annotations

import argparse

from console.cli import build_parser


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
    missing = [
        f"{path} {action.option_strings or action.dest}"
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
        and not action.help
    ]
    subs = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    helped = {c.dest for c in subs._choices_actions if c.help} if subs else set()
    for name, child in _children(parser).items():
        if name not in helped:
            missing.append(f"{path} {name} (no help)")
        missing += _undocumented(child, f"{path} {name}")
    return missing


def test_every_command_and_option_has_a_help_text() -> None:
    parser = build_parser()
    notify = _children(parser)["notify"]
    assert set(_children(notify)) == {"add", "list", "remove", "test", "retry", "worker"}
    assert _undocumented(parser, "kup-console") == []
