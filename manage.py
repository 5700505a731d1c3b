#!/usr/bin/env python
"""Django's command-line utility for the Arena platform (source root: ``platform/``)."""

import importlib.util
import os
import sys


def main() -> None:
    """Run a management command. The repository is installed as a package (``make install``:
    ``pip install -e .``), so ``arena``, ``evaluators`` and ``baselines`` import as they are."""
    if importlib.util.find_spec("arena") is None:
        sys.exit(
            "arena: the package is not installed in this Python environment: run `make install` "
            "(pip install -e .) or put platform/ on PYTHONPATH"
        )
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
