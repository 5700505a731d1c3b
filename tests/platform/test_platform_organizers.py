"""The organizer role: co-organizers join only by accepting an invitation, decline or are
withdrawn, are removed by an organizer, and the last organizer is never removed; each step is
in the audit log and notified. Phase settings validate per field (shared by pages and API)."""

from __future__ import annotations

import pytest

from arena.challenges import organizers as roles
from arena.challenges.models import AuditEntry, OrganizerInvitation
from arena.challenges.permissions import is_organizer
from arena.challenges.phase_forms import PhaseCreateForm, PhaseForm, initial_values, save_phase
from arena.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _actions(challenge) -> list[str]:
    return list(challenge.audit_entries.order_by("id").values_list("action", flat=True))


def test_invite_accept_then_remove(challenge, users):
    olga, bob = users["organizer"], users["other"]
    invitation = roles.invite_organizer(challenge, olga, "bob")
    assert not is_organizer(bob, challenge)  # invited, not drafted
    assert Notification.objects.filter(user=bob, text__contains="co-organize").exists()
    assert list(roles.pending_organizer_invitations(bob)) == [invitation]
    roles.answer_organizer_invitation(invitation.pk, bob, accept=True)
    assert is_organizer(bob, challenge)
    assert Notification.objects.filter(user=olga, text__contains="bob accepted").exists()
    # the new co-organizer may invite and remove too; olga removes herself, bob stays
    roles.remove_organizer(challenge, "olga", bob)
    assert not is_organizer(olga, challenge)
    with pytest.raises(roles.OrganizerError, match="last organizer"):
        roles.remove_organizer(challenge, "bob", bob)
    assert is_organizer(bob, challenge)
    assert _actions(challenge) == ["organizer_invite", "organizer_answer", "organizer_remove"]


def test_decline_and_withdraw(challenge, users):
    olga, bob, sam = users["organizer"], users["other"], users["stranger"]
    first = roles.invite_organizer(challenge, olga, "bob")
    roles.answer_organizer_invitation(first.pk, bob, accept=False)
    assert not is_organizer(bob, challenge)
    assert OrganizerInvitation.objects.get(pk=first.pk).status == "declined"
    with pytest.raises(roles.OrganizerError, match="already declined"):
        roles.answer_organizer_invitation(first.pk, bob, accept=True)
    second = roles.invite_organizer(challenge, olga, "sam")
    roles.cancel_organizer_invitation(challenge, second.pk, olga)
    with pytest.raises(roles.OrganizerError, match="already cancelled"):
        roles.answer_organizer_invitation(second.pk, sam, accept=True)
    assert not is_organizer(sam, challenge)
    entry = challenge.audit_entries.filter(action=AuditEntry.Action.ORGANIZER_ANSWER).first()
    assert entry.detail["decision"] == "cancelled"


@pytest.mark.parametrize("inviter, username, needle", [
    ("participant", "bob", "Only the challenge's organizers"),
    ("organizer", "", "Field 'username': name the user"),
    ("organizer", "nobody", "no user named 'nobody'"),
    ("organizer", "olga", "olga already organizes"),
])
def test_refused_invitations(challenge, users, inviter, username, needle):
    with pytest.raises(roles.OrganizerError, match=needle):
        roles.invite_organizer(challenge, users[inviter], username)
    assert not OrganizerInvitation.objects.exists() and not challenge.audit_entries.exists()


def test_one_pending_invitation_and_only_the_invitee_answers(challenge, users):
    olga = users["organizer"]
    invitation = roles.invite_organizer(challenge, olga, "bob")
    with pytest.raises(roles.OrganizerError, match="already invited"):
        roles.invite_organizer(challenge, olga, "bob")
    with pytest.raises(roles.OrganizerError, match="No such invitation"):
        roles.answer_organizer_invitation(invitation.pk, users["participant"], accept=True)
    assert not is_organizer(users["participant"], challenge)


def test_the_last_organizer_is_never_removed(challenge, users):
    with pytest.raises(roles.OrganizerError, match="last organizer"):
        roles.remove_organizer(challenge, "olga", users["organizer"])
    with pytest.raises(roles.OrganizerError, match="not an organizer"):
        roles.remove_organizer(challenge, "bob", users["organizer"])
    assert list(challenge.organizers.values_list("username", flat=True)) == ["olga"]
    assert not challenge.audit_entries.exists()


def _values(phase, **over):
    return {**initial_values(phase, PhaseForm.Meta.fields), **over}


@pytest.mark.parametrize("field, value, needle", [
    ("closes_at", "2020-01-01T00:00", "Must be after the opening time"),
    ("quota_period_days", 0, "at least 1"),
    ("cpus", 0, "at least 1"),
    ("memory_mb", 10, "at least 64"),
    ("scoring_case_timeout_s", 99999, "Must not exceed"),
    ("leaderboard_visibility", "everyone", "not one of the available choices"),
])
def test_phase_form_names_the_field(phase, field, value, needle):
    form = PhaseForm(_values(phase, opens_at="2021-01-01T00:00", **{field: value}), instance=phase)
    assert not form.is_valid()
    assert needle in " ".join(form.errors[field]), form.errors


def test_kind_is_fixed_once_there_are_submissions(phase, users):
    from arena.submissions.models import Submission

    Submission.objects.create(phase=phase, creator=users["participant"], status="succeeded")
    form = PhaseForm(_values(phase, kind="algorithm"), instance=phase)
    assert not form.is_valid() and "already has submissions" in form.errors["kind"][0]


def test_edit_and_create_are_audited(phase, challenge, users):
    form = PhaseForm(_values(phase, title="Renamed", show_per_case=True, gpu=True), instance=phase)
    assert form.is_valid(), form.errors
    phase, changed = save_phase(form, users["organizer"])
    assert changed == {"title", "show_per_case", "gpu"}
    edit = challenge.audit_entries.get(action="phase_edit")
    assert edit.detail["changes"] == {"title": ["Test phase", "Renamed"], "gpu": [False, True]}
    assert challenge.audit_entries.filter(action="release_cases").count() == 1
    new = PhaseCreateForm(
        {**_values(phase, title="Final"), "slug": "final", "task": "kits21"}, challenge=challenge)
    assert new.is_valid(), new.errors
    created, _ = save_phase(new, users["organizer"])
    assert created.challenge == challenge and created.task == "kits21"
    assert challenge.audit_entries.filter(action="phase_create", phase=created).exists()
    again = PhaseCreateForm({**_values(phase), "slug": "final", "task": "nope"}, challenge=challenge)
    assert not again.is_valid()
    assert "already exists" in again.errors["slug"][0] and "Unknown task 'nope'" in again.errors["task"][0]
