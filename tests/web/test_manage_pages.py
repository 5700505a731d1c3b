"""The organizer dashboard and its pages: phases created and edited (per-field errors), datasets
uploaded as archives (cases and digests shown, never a server path; a hostile archive refused
with nothing stored; re-evaluation only when confirmed), per-case release, co-organizers
(invite, accept, decline, remove, never the last one), registrations, teams; every change in
the audit log; organizer-written text rendered inert."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from web_helpers import upload

from arena.challenges.models import AuditEntry, DatasetCase, OrganizerInvitation, Phase

pytestmark = pytest.mark.django_db(transaction=True)

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PHASE = {"slug": "final", "title": "Final", "task": "kits21", "kind": "predictions",
         "quota_count": 2, "quota_period_days": 1, "max_upload_mb": 50,
         "leaderboard_visibility": "hidden", "leaderboard_policy": "best", "time_limit_s": 600,
         "memory_mb": 2048, "cpus": 1, "scoring_case_timeout_s": 30, "scoring_timeout_s": 600}


def _actions(challenge) -> list[str]:
    return list(challenge.audit_entries.filter(actor__isnull=False).order_by("id")
                .values_list("action", flat=True))


def _dataset_zip(folder: Path, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return buf.getvalue()


def _stored(settings) -> list[str]:
    found = []
    for root in (Path(settings.ARENA_DATASETS_ROOT), Path(settings.MEDIA_ROOT)):
        for dirpath, _, names in os.walk(root):
            found += [os.path.relpath(os.path.join(dirpath, n), root) for n in names]
    return sorted(found)


def test_dashboard_links_every_organizer_page(client_for, phase, scored):
    html = client_for("organizer").get(reverse("web:manage_dashboard", args=["kits"])).content.decode()
    for url in (reverse("web:phase_create", args=["kits"]), reverse("web:phase_manage", args=[phase.pk]),
                reverse("web:phase_dataset", args=[phase.pk]), reverse("web:phase_per_case", args=[phase.pk]),
                reverse("web:phase_reevaluate", args=[phase.pk]), reverse("web:manage_people", args=["kits"]),
                reverse("web:challenge_audit", args=["kits"])):
        assert url in html, url
    detail = client_for("organizer").get(reverse("web:challenge_detail", args=["kits"])).content.decode()
    assert reverse("web:manage_dashboard", args=["kits"]) in detail
    assert client_for("participant").get(reverse("web:manage_dashboard", args=["kits"])).status_code == 404


def test_create_a_phase_with_per_field_errors(client_for, challenge):
    client = client_for("organizer")
    url = reverse("web:phase_create", args=["kits"])
    bad = client.post(url, {**PHASE, "task": "nope", "cpus": 0, "closes_at": "2020-01-01T00:00",
                            "opens_at": "2021-01-01T00:00"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "Unknown task &#x27;nope&#x27;" in html and "Must be at least 1" in html
    assert "Must be after the opening time" in html and not Phase.objects.filter(slug="final").exists()
    made = client.post(url, PHASE)
    phase = Phase.objects.get(slug="final")
    assert made.status_code == 302 and made["Location"] == reverse("web:phase_dataset", args=[phase.pk])
    assert (phase.quota_count, phase.leaderboard_visibility, phase.memory_mb) == (2, "hidden", 2048)
    assert _actions(challenge) == ["phase_create"]
    again = client.post(url, PHASE)
    assert again.status_code == 400 and "already exists" in again.content.decode()


def test_edit_all_settings_on_the_phase_page(client_for, phase):
    client = client_for("organizer")
    url = reverse("web:phase_manage", args=[phase.pk])
    page = client.get(url).content.decode()
    for name in ("kind", "time_limit_s", "memory_mb", "cpus", "gpu", "hide_logs",
                 "scoring_case_timeout_s", "scoring_timeout_s", "max_upload_mb"):
        assert f'name="{name}"' in page, name
    assert phase.references_path not in page  # the storage folder is not shown
    data = {**PHASE, "title": "Test phase", "gpu": "on", "memory_mb": 10}
    data.pop("slug"), data.pop("task")
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Must be at least 64" in bad.content.decode()
    data["memory_mb"] = 4096
    assert client.post(url, data).status_code == 302
    phase.refresh_from_db()
    assert phase.gpu and phase.memory_mb == 4096 and not phase.hide_logs
    changes = phase.audit_entries.get(action="phase_edit").detail["changes"]
    assert changes["memory_mb"] == [8192, 4096] and changes["gpu"] == [False, True]


def test_per_case_release_from_the_dashboard(client_for, phase):
    client = client_for("organizer")
    url = reverse("web:phase_per_case", args=[phase.pk])
    client.post(url, {"action": "release"})
    phase.refresh_from_db()
    assert phase.show_per_case
    client.post(url, {"action": "withhold"})
    response = client.post(url, {"action": "bogus"}, follow=True)
    assert "expected &#x27;release&#x27; or &#x27;withhold&#x27;" in response.content.decode()
    phase.refresh_from_db()
    assert not phase.show_per_case
    assert _actions(phase.challenge) == ["release_cases", "withhold_cases"]


def test_dataset_page_upload_and_confirmed_reevaluation(client_for, phase, scored, tmp_path):
    from baselines.phantoms import generate_dataset

    client = client_for("organizer")
    url = reverse("web:phase_dataset", args=[phase.pk])
    page = client.get(url).content.decode()
    for case in phase.cases.all():
        assert case.case_id in page and case.digest in page
    assert phase.references_path not in page and str(tmp_path.parent) not in page
    new = generate_dataset("kits21", tmp_path / "new", preset="small", n_cases=3, seed=11)
    response = client.post(url, {"archive": upload("new.zip", _dataset_zip(new, "wrapped/"))}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Dataset imported: 3 case(s)." in html
    assert 'id="stale-panel"' in html  # two scored submissions are now out of date
    sub = scored["participant"]
    sub.refresh_from_db()
    assert sub.attempt == 1  # not re-evaluated: the organizer did not confirm
    other = generate_dataset("kits21", tmp_path / "other", preset="small", n_cases=3, seed=12)
    confirmed = client.post(url, {"archive": upload("o.zip", _dataset_zip(other)), "reevaluate": "1"},
                            follow=True)
    assert "2 submission(s) queued for re-evaluation" in confirmed.content.decode()
    sub.refresh_from_db()
    assert sub.attempt == 2
    assert _actions(phase.challenge) == ["dataset", "dataset", "reevaluate_phase"]


def test_hostile_dataset_archive_is_refused_with_nothing_stored(client_for, phase, settings):
    client = client_for("organizer")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inputs/case_00000_0000.nii.gz", b"x")
        zf.writestr("references/../../../../tmp/evil.nii.gz", b"x")
    before = (_stored(settings), list(DatasetCase.objects.values_list("digest", flat=True)))
    state = Phase.objects.filter(pk=phase.pk).values().get()
    response = client.post(reverse("web:phase_dataset", args=[phase.pk]),
                           {"archive": upload("evil.zip", buf.getvalue())})
    html = response.content.decode()
    assert response.status_code == 400 and "points outside the archive" in html
    assert str(settings.ARENA_WORK_ROOT) not in html
    assert (_stored(settings), list(DatasetCase.objects.values_list("digest", flat=True))) == before
    assert Phase.objects.filter(pk=phase.pk).values().get() == state
    assert not Path("/tmp/evil.nii.gz").exists() or Path("/tmp/evil.nii.gz").stat().st_size != 1
    assert _actions(phase.challenge) == []


def test_co_organizer_invitation_flow(client_for, challenge, users):
    olga = client_for("organizer")
    people = reverse("web:manage_people", args=["kits"])
    olga.post(reverse("web:organizer_invite", args=["kits"]), {"username": "bob"})
    invitation = OrganizerInvitation.objects.get(invitee=users["other"])
    assert "bob" in olga.get(people).content.decode()
    bob = client_for("other")
    assert bob.get(people).status_code == 404  # invited is not an organizer
    listing = bob.get(reverse("web:organizer_invitations")).content.decode()
    assert reverse("web:organizer_invitation_accept", args=[invitation.pk]) in listing
    sam = client_for("stranger")
    assert sam.post(reverse("web:organizer_invitation_accept", args=[invitation.pk])).status_code == 404
    bob = client_for("other")
    accepted = bob.post(reverse("web:organizer_invitation_accept", args=[invitation.pk]))
    assert accepted["Location"] == reverse("web:manage_dashboard", args=["kits"])
    assert bob.get(people).status_code == 200
    # bob invites sam, who declines
    bob.post(reverse("web:organizer_invite", args=["kits"]), {"username": "sam"})
    declined = OrganizerInvitation.objects.get(invitee=users["stranger"])
    client_for("stranger").post(reverse("web:organizer_invitation_decline", args=[declined.pk]))
    assert not challenge.organizers.filter(username="sam").exists()
    # bob removes olga; then bob, the last organizer, cannot remove himself
    bob = client_for("other")
    bob.post(reverse("web:organizer_remove", args=["kits"]), {"username": "olga"})
    refused = bob.post(reverse("web:organizer_remove", args=["kits"]), {"username": "bob"}, follow=True)
    assert "last organizer" in refused.content.decode()
    assert list(challenge.organizers.values_list("username", flat=True)) == ["bob"]
    assert _actions(challenge) == ["organizer_invite", "organizer_answer", "organizer_invite",
                                   "organizer_answer", "organizer_remove"]


def test_registrations_and_teams_on_the_people_page(client_for, challenge, users):
    from arena.participation.models import Registration
    from tests.support.django_setup import team_of

    pending = Registration.objects.create(user=users["stranger"], challenge=challenge)
    team_of(challenge, "Zebra", users["participant"])
    client = client_for("organizer")
    html = client.get(reverse("web:manage_people", args=["kits"])).content.decode()
    assert "Zebra" in html and "alice" in html and "sam" in html
    url = reverse("web:registration_decision", args=["kits", pending.pk])
    client.post(url, {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == "approved"
    client.post(url, {"decision": "reject"})
    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert _actions(challenge) == ["registration", "registration"]
    entry = challenge.audit_entries.filter(action=AuditEntry.Action.REGISTRATION).first()
    assert entry.detail == {"user": "sam", "decision": "rejected"}


def test_organizer_written_fields_are_inert_on_organizer_pages(client_for, phase, scored, users):
    """Stored XSS: every organizer-written field of the new pages (phase title and description,
    team names and usernames on the people page, disqualification reasons and summaries in the
    dashboard's recent changes, the challenge title on the invitations page)."""
    from django.contrib.auth import get_user_model

    from arena.challenges.organizers import invite_organizer
    from arena.leaderboards.disqualify import disqualify
    from tests.support.django_setup import team_of
    from tests.web.test_security import _elements

    client = client_for("organizer")
    data = {**PHASE, "slug": "xss", "title": f"T {XSS}", "description": f"D {XSS}"}
    assert client.post(reverse("web:phase_create", args=["kits"]), data).status_code == 302
    phase.challenge.title = f"C {XSS}"
    phase.challenge.save()
    disqualify(scored["participant"], f"reason {XSS}", by=users["organizer"])
    team_of(phase.challenge, f"Team {XSS}", users["participant"])
    get_user_model().objects.filter(pk=users["stranger"].pk).update(username=f"s{XSS}"[:150])
    invite_organizer(phase.challenge, users["organizer"], "bob")
    xss_phase = Phase.objects.get(slug="xss")
    pages = [("organizer", reverse("web:manage_dashboard", args=["kits"])),
             ("organizer", reverse("web:manage_people", args=["kits"])),
             ("organizer", reverse("web:phase_manage", args=[xss_phase.pk])),
             ("organizer", reverse("web:phase_dataset", args=[xss_phase.pk])),
             ("organizer", reverse("web:phase_create", args=["kits"])),
             ("other", reverse("web:organizer_invitations"))]
    for role, url in pages:
        response = client_for(role).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "&lt;script&gt;" in body or url.endswith("/new/"), url
        for tag, attrs in _elements(body):
            names = {name for name, _ in attrs}
            assert tag not in ("img", "iframe", "svg"), (url, tag, attrs)
            assert not any(n.startswith("on") for n in names), (url, tag, attrs)
            if tag == "script":
                assert "src" in names or ("type", "application/json") in attrs, (url, attrs)


def test_dataset_page_lists_every_content_problem(client_for, phase, tmp_path, settings):
    """A dataset whose test image names a case without a reference and whose other case lacks
    its test image: the page lists both problems by file, and nothing is stored."""
    from baselines.phantoms import generate_dataset

    new = generate_dataset("kits21", tmp_path / "new", preset="small", n_cases=2, seed=11)
    (image,) = sorted((new / "inputs").glob("*_0000.nii.gz"))[:1]
    image.rename(new / "inputs" / "case_99999_0000.nii.gz")
    before = (_stored(settings), list(DatasetCase.objects.values_list("digest", flat=True)))
    response = client_for("organizer").post(reverse("web:phase_dataset", args=[phase.pk]),
                                            {"archive": upload("new.zip", _dataset_zip(new))})
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 problems:" in html and "<code>inputs/case_99999_0000.nii.gz</code>" in html
    assert "has no reference file" in html and "has no test image for channel 0000" in html
    assert str(tmp_path) not in html
    assert (_stored(settings), list(DatasetCase.objects.values_list("digest", flat=True))) == before
