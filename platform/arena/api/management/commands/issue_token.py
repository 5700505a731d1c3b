"""``python manage.py issue_token USERNAME [--create]``: print the user's API token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print (creating if needed) the API token of USERNAME; --create makes the user too."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--create", action="store_true", help="create the user (unusable password) if missing"
        )

    def handle(self, *args, username: str, create: bool, **options) -> None:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"user '{username}' does not exist (use --create to make it)")
            user = User.objects.create_user(username=username)
            user.set_unusable_password()
            user.save()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
