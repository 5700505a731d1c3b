"""WSGI entry point (``arena.wsgi:application``). Loading it warms the process
(:func:`arena.warmup.warm_up`: the lazily imported modules, before the first request)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from arena.warmup import warm_up  # noqa: E402  (after Django's set-up)

warm_up()
