from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "arena.execution"
    label = "execution"
    verbose_name = "Algorithm execution"
    default_auto_field = "django.db.models.BigAutoField"
