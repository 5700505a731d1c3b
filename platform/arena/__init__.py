"""Arena Django project: settings, Celery app and the platform apps."""

from arena.celery import app as celery_app

__all__ = ["celery_app"]
