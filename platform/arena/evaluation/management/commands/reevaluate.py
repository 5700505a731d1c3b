"""``python manage.py reevaluate (--phase ID | --submission ID) [--stale-only]``: re-score
after an evaluator or reference change (the worker does the scoring)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from arena.challenges.models import Phase
from arena.evaluation.services import reevaluate_phase, reevaluate_submission, stale_submissions
from arena.submissions.models import Submission


class Command(BaseCommand):
    help = "Queue re-evaluation of a submission or a phase (optionally only stale results)."

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--phase", type=int, help="phase id")
        target.add_argument("--submission", type=int, help="submission id")
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="only results made with another evaluators version or reference digest",
        )

    def handle(self, *args, phase: int | None, submission: int | None, stale_only: bool, **kw):
        if submission is not None:
            sub = Submission.objects.filter(pk=submission).first()
            if sub is None:
                raise CommandError(f"submission {submission} does not exist")
            sub = reevaluate_submission(sub)
            self.stdout.write(f"submission {sub.pk}: attempt {sub.attempt} queued")
            return
        obj = Phase.objects.filter(pk=phase).first()
        if obj is None:
            raise CommandError(f"phase {phase} does not exist")
        if stale_only:
            subs = stale_submissions(obj)
            for sub in subs:
                reevaluate_submission(sub)
            self.stdout.write(f"phase {obj}: {len(subs)} stale submission(s) queued")
        else:
            self.stdout.write(f"phase {obj}: {reevaluate_phase(obj)} submission(s) queued")
