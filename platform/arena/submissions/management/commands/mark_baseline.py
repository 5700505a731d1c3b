"""``python manage.py mark_baseline SUBMISSION_ID [--unmark] [--reason TEXT]``: flag a
submission as an organizers' baseline entry (or clear the flag), recorded in the challenge's
audit log as an action of the system. Exit status 2 with a one-line reason for an unknown
submission."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Mark a submission as a baseline entry of its leaderboard (or --unmark it); audited."

    def add_arguments(self, parser):
        parser.add_argument("submission_id", type=int, help="id of the submission")
        parser.add_argument("--unmark", action="store_true", help="clear the baseline flag")
        parser.add_argument("--reason", default="", help="note kept in the audit log")

    def handle(self, *args, **options):
        from arena.submissions.baselines import mark_baseline
        from arena.submissions.models import Submission

        submission = Submission.objects.filter(pk=options["submission_id"]).first()
        if submission is None:
            raise CommandError(f"no submission with id {options['submission_id']}", returncode=2)
        baseline = not options["unmark"]
        changed = mark_baseline(submission, baseline, reason=options["reason"] or "mark_baseline command")
        state = "a baseline" if baseline else "not a baseline"
        self.stdout.write(
            f"submission {submission.pk} ({submission.phase.challenge.slug}/{submission.phase.slug}, "
            f"method {submission.method!r}) is {state}{'' if changed else ' (unchanged)'}"
        )
