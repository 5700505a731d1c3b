"""App config of the demo seed (holds the ``seed_demo`` management command)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "arena.demo"
    label = "demo"
    verbose_name = "Arena demo content"
