"""ASGI entry point (``arena.asgi:application``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
