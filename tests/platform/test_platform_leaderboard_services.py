"""Leaderboard services: columns of an unknown task are logged, not swallowed; other errors
propagate."""

from __future__ import annotations

import logging

import pytest

from arena.challenges.models import Phase
from arena.leaderboards.services import leaderboard_columns


def test_unknown_task_has_no_columns_and_says_why(caplog):
    with caplog.at_level(logging.WARNING, logger="arena.leaderboards.services"):
        assert leaderboard_columns(Phase(task="no-such-task")) == []
    assert "unknown task 'no-such-task'" in caplog.text


def test_known_task_columns():
    keys = [c.key for c in leaderboard_columns(Phase(task="kits21"))]
    assert keys and all(isinstance(k, str) for k in keys)


def test_a_programming_error_is_not_swallowed():
    with pytest.raises(AttributeError):
        leaderboard_columns(Phase(task=None))
