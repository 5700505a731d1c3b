"""WSGI entry point (``arena.wsgi:application``): Django's handler behind the board fast path
(:class:`arena.boardfast.BoardFastPath`: a cached anonymous board read is answered before
Django's request machinery). Loading it warms the process (:func:`arena.warmup.warm_up`: the
lazily imported modules, before the first request)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()

from arena.boardfast import BoardFastPath  # noqa: E402  (after Django's set-up)
from arena.warmup import warm_up  # noqa: E402

application = BoardFastPath(django_application)

warm_up()
