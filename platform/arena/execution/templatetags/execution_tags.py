"""``{% load execution_tags %}{% algorithm_job submission %}``: the container job panel of a
submission page (status, runtime, exit code, peak memory, log tails where visible)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("execution/job_panel.html", takes_context=True)
def algorithm_job(context, submission) -> dict:
    """Context of the job panel for the requesting user (empty when there is no job)."""
    from arena.execution.presenters import job_summary

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"job": job_summary(submission, user) if user is not None else None}
