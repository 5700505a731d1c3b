"""What participants see of a container job: status, reason, runtime; log tails unless the
phase hides logs (organizers always see them); nothing for others (404)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from rest_framework.test import APIClient

from arena.execution.models import Job
from arena.execution.presenters import job_summary

pytestmark = pytest.mark.urls("execution_test_urls")


@pytest.fixture
def failed_job(job):
    Job.objects.filter(pk=job.pk).update(
        status="failed", attempt=1, reason="nonzero_exit", exit_code=1, runtime_s=1.234,
        peak_memory_bytes=50 * 2**20, stdout="loading\n", stderr="ValueError: secret path\n",
        error="the container exited with code 1")
    job.refresh_from_db()
    return job


def _users(job, django_user_model):
    from arena.participation.models import Registration

    challenge = job.submission.phase.challenge
    organizer = django_user_model.objects.create_user("olga", "o@example.org", "pw")
    challenge.organizers.add(organizer)
    stranger = django_user_model.objects.create_user("sam", "s@example.org", "pw")
    Registration.objects.create(user=stranger, challenge=challenge, status="approved")
    return job.submission.creator, organizer, stranger


def test_logs_follow_hide_logs(failed_job, django_user_model):
    owner, organizer, _ = _users(failed_job, django_user_model)
    summary = job_summary(failed_job.submission, owner)
    assert summary["logs"]["stderr"] == "ValueError: secret path\n"  # phase shows logs
    assert (summary["exit_code"], summary["runtime_s"], summary["peak_memory_mb"]) == (1, 1.23, 50.0)
    phase = failed_job.submission.phase
    phase.hide_logs = True
    phase.save()
    assert job_summary(failed_job.submission, owner)["logs"] is None
    assert job_summary(failed_job.submission, organizer)["logs"]["stdout"] == "loading\n"


def test_api_view(failed_job, django_user_model):
    owner, _, stranger = _users(failed_job, django_user_model)
    client = APIClient()
    url = f"/api/v1/submissions/{failed_job.submission_id}/job/"
    assert client.get(url).status_code == 404  # anonymous: the submission is not visible
    client.force_authenticate(stranger)
    assert client.get(url).status_code == 404
    client.force_authenticate(owner)
    body = client.get(url).json()
    assert body["status"] == "failed" and body["reason"] == "nonzero_exit"
    assert body["logs"]["stderr"].startswith("ValueError")


def test_template_tag(failed_job, django_user_model):
    owner, _, _ = _users(failed_job, django_user_model)
    request = RequestFactory().get("/")
    request.user = owner
    html = Template("{% load execution_tags %}{% algorithm_job sub %}").render(
        Context({"request": request, "sub": failed_job.submission}))
    assert "Container run" in html and "Exit code" in html and "ValueError: secret path" in html
    phase = failed_job.submission.phase
    phase.hide_logs = True
    phase.save()
    html = Template("{% load execution_tags %}{% algorithm_job sub %}").render(
        Context({"request": request, "sub": failed_job.submission}))
    assert "secret path" not in html and "organizers only" in html
