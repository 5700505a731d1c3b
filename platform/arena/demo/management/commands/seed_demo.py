"""``python manage.py seed_demo``: the six demo challenges, demo accounts and scored demo
submissions (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from arena.demo.spec import ACCOUNTS


class Command(BaseCommand):
    help = "Create the demo challenges, accounts and scored demo submissions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-submissions", action="store_true", help="Only accounts, challenges and datasets."
        )
        parser.add_argument(
            "--accounts", action="store_true",
            help="Only print the demo accounts (and whether algorithm phases run); change nothing.",
        )
        parser.add_argument(
            "--no-algorithms", action="store_true",
            help="No algorithm phases even where a container engine is ready.",
        )

    def handle(self, *args, **options):
        from arena.demo.seed import seed_demo

        if options["accounts"]:
            self._print_accounts()
            self._print_algorithm_status()
            return
        self.stdout.write("Seeding the Arena demo…")
        try:
            report = seed_demo(log=self.stdout.write, submissions=not options["no_submissions"],
                               algorithms=not options["no_algorithms"])
        except Exception as exc:  # a clear one-line reason instead of a traceback
            raise CommandError(f"seed_demo failed: {type(exc).__name__}: {exc}")
        self.stdout.write(
            f"Demo ready in {report.seconds:.1f} s: {report.challenges} challenges, "
            f"{report.phases} phases, {report.submissions_created} new demo submissions "
            f"({report.submissions_ok} scored)."
        )
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"warning: {problem}"))
        self._print_accounts()

    def _print_accounts(self) -> None:
        self.stdout.write("Demo accounts (username / password / role):")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<10} {account.password:<16} {account.role}")

    def _print_algorithm_status(self) -> None:
        from arena.demo import algorithm

        status = algorithm.engine_status()
        if status.ready:
            self.stdout.write(f"Algorithm phases: the reference baseline runs as a container ({status.reason}).")
        else:
            self.stdout.write(self.style.WARNING(algorithm.absent_message(status)))
