"""``manage.py import_dataset CHALLENGE PHASE FOLDER``: import a local dataset folder
(``inputs/`` + ``references/``) as a phase's dataset — files into the configured storage, case
facts into the database. Run it where the folder is (any node with the shared settings). The
folder is first checked as a bundle's dataset is (:func:`arena.challenges.bundles.validate.
check_dataset`); every problem is printed and nothing is imported when there is one."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from arena.challenges.models import Phase


class Command(BaseCommand):
    help = "Import FOLDER (inputs/ + references/) as the dataset of CHALLENGE/PHASE."

    def add_arguments(self, parser) -> None:
        parser.add_argument("challenge", help="challenge slug")
        parser.add_argument("phase", help="phase slug")
        parser.add_argument("folder", type=Path, help="dataset folder with inputs/ and references/")

    def handle(self, *args, challenge: str, phase: str, folder: Path, **options) -> None:
        """Import and print the case count and reference digest; exit 1 with the reason on
        an unknown phase, a missing folder or any problem of its content."""
        from arena.challenges.services import configure_phase_dataset

        target = Phase.objects.filter(challenge__slug=challenge, slug=phase).first()
        if target is None:
            raise CommandError(f"no phase {challenge}/{phase}")
        if not Path(folder).is_dir():
            raise CommandError(f"{folder}: no such folder (expected a folder with inputs/ and "
                               "references/)")
        from arena.challenges.bundles.validate import check_dataset

        problems = check_dataset(target.task, Path(folder))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {folder}, nothing imported:\n"
                               + "\n".join(f"  {p}" for p in problems))
        try:
            configure_phase_dataset(target, folder)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{challenge}/{phase}: {target.cases.count()} cases, reference digest "
                          f"{target.reference_digest}")
