"""Every action the policy knows is documented, with the roles the code gives it."""

from __future__ import annotations

from pathlib import Path

from crimelink.access.policy import ROLE_PERMISSIONS, Action

DOC = (Path(__file__).parents[2] / "docs" / "access.md").read_text(encoding="utf-8")


def test_every_action_is_in_the_actions_table() -> None:
    rows = {line.split("|")[1].strip().strip("`") for line in DOC.splitlines() if line.startswith("| `")}
    assert {action.value for action in Action} <= rows


def test_every_action_has_roles() -> None:
    assert set(ROLE_PERMISSIONS) == set(Action)
    assert all(ROLE_PERMISSIONS[action] for action in Action)
