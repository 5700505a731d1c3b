"""ASGI entry point (``arena.asgi:application``)."""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT / "platform", _ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
