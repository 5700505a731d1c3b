"""The h14c migration keeps existing teams: members of the old plain member list become
memberships joined at the team's creation, and a user drafted into two teams of one challenge
keeps the first (the new one-team-per-challenge constraint would refuse the second)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("participation", "0001_initial"), ("challenges", "0001_initial")]
AFTER = [("participation", "0002_h14c_team_invitations")]


@pytest.mark.django_db(transaction=True)
def test_members_become_memberships():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("auth", "User")
    Challenge = apps.get_model("challenges", "Challenge")
    Team = apps.get_model("participation", "Team")
    alice, bob = User.objects.create(username="alice"), User.objects.create(username="bob")
    kits = Challenge.objects.create(slug="kits", title="KiTS")
    first = Team.objects.create(challenge=kits, name="First")
    first.members.set([alice, bob])
    second = Team.objects.create(challenge=kits, name="Second")
    second.members.set([bob])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Membership = apps.get_model("participation", "Membership")
    rows = sorted(
        (m.team.name, m.user.username, m.joined == m.team.created)
        for m in Membership.objects.select_related("team", "user")
    )
    assert rows == [("First", "alice", True), ("First", "bob", True)]

    executor = MigrationExecutor(connection)  # back to the latest state for the other tests
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
