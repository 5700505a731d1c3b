"""``python manage.py issue_token USERNAME [--create] [--organizer] [--name NAME]``: issue and
print a new API token of the user (stored hashed, so each call issues a new one; revoke old ones
on the account's token page). ``--organizer`` grants the user the permission to create
challenges (``challenges.add_challenge``: bundle uploads through the API or the web page)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from arena.api.tokens import issue_token


class Command(BaseCommand):
    help = "Issue and print a new API token of USERNAME; --create makes the user too."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--create", action="store_true", help="create the user (unusable password) if missing"
        )
        parser.add_argument("--name", default="issue_token", help="the token's name")
        parser.add_argument(
            "--organizer", action="store_true",
            help="grant the permission to create challenges (challenges.add_challenge)",
        )

    def handle(self, *args, username: str, create: bool, name: str, organizer: bool = False,
               **options) -> None:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"user '{username}' does not exist (use --create to make it)")
            user = User.objects.create_user(username=username)
            user.set_unusable_password()
            user.save()
        if organizer:
            from django.contrib.auth.models import Permission

            user.user_permissions.add(
                Permission.objects.get(content_type__app_label="challenges", codename="add_challenge")
            )
        try:
            _, key = issue_token(user, name)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(key)
