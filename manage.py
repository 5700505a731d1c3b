#!/usr/bin/env python
"""Django's command-line utility for the Arena platform (source root: ``platform/``)."""

import os
import sys
from pathlib import Path


def main() -> None:
    """Put ``platform/`` and the repository root on sys.path and run a management command."""
    root = Path(__file__).resolve().parent
    for path in (root / "platform", root):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings: refuse early, one clear line
    except ImproperlyConfigured as exc:
        sys.exit(f"arena: refusing to start: {exc}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
