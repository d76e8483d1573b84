"""The collection table: every command listed for a fact group has a template that feeds
that group (so a collector following the table never collects something no fact reads)."""

from __future__ import annotations

import pytest

from agent.parsing.commands import COMMANDS, commands_for
from agent.parsing.facts import BUILDERS, scope
from agent.parsing.result import Platform
from agent.parsing.templates import template_for

ROWS = [(p, group, cmd) for p, groups in COMMANDS.items() for group, cmds in groups.items() for cmd in cmds]


@pytest.mark.parametrize(("platform", "group", "command"), ROWS)
def test_each_listed_command_feeds_its_group(platform: Platform, group: str, command: str) -> None:
    template = template_for(platform, command)
    assert template is not None, command
    groups = {g for g, _ in BUILDERS[template]}
    covered = scope(template, command)
    assert group in groups and (covered is None or group in covered), (command, template)


def test_commands_for_lists_each_command_once() -> None:
    for platform in Platform:
        cmds = commands_for(platform)
        assert len(cmds) == len(set(cmds)) > 5
