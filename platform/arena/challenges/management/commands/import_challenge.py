"""``python manage.py import_challenge PATH [--user NAME]``: load a challenge bundle (a zip,
tar.gz or folder with challenge.yaml at its root) through the same service as the web page
and the API. A refused bundle exits with status 2 and lists every problem, one a line
(``file: field: message``); nothing is created or stored then."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the challenge bundle at PATH (zip, tar.gz or folder); exit 2 listing every problem."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="bundle zip / tar.gz or folder")
        parser.add_argument("--user", default="", help="the organizer to record (must exist); "
                            "default: the system, with no organizer added")

    def handle(self, *args, path: Path, user: str, **options) -> None:
        from arena.challenges.bundles import BundleError, import_bundle

        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"--user: no user {user!r}", returncode=2)
        try:
            result = import_bundle(path, by=by)
        except BundleError as exc:
            lines = [f"bundle {path.name} refused: {len(exc.problems)} problem(s)"]
            lines += [f"  {problem}" for problem in exc.problems]
            raise CommandError("\n".join(lines), returncode=2) from None
        verb = "created" if result.created else f"updated (version {result.version.number})"
        self.stdout.write(f"challenge {result.challenge.slug} {verb}: "
                          + ", ".join(f"{p.slug} ({p.task}, {p.kind}, {p.cases.count()} cases)"
                                      for p in result.phases))
        if result.references_changed:
            self.stdout.write("references changed in " + ", ".join(result.references_changed)
                              + ": confirm on the challenge's bundle page (or POST "
                              f"/api/v1/challenges/{result.challenge.slug}/bundle/confirm/) to "
                              "re-evaluate their submissions")
