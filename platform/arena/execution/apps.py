from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "arena.execution"
    label = "execution"
    verbose_name = "Algorithm execution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Take algorithm submissions from the submissions app's validation task (signal)."""
        from arena.execution.services import on_algorithm_submitted
        from arena.submissions.signals import algorithm_submitted

        algorithm_submitted.connect(
            on_algorithm_submitted, dispatch_uid="arena.execution.on_algorithm_submitted"
        )
