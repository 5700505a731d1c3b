from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "arena.execution"
    label = "execution"
    verbose_name = "Algorithm execution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Take algorithm submissions from the submissions app's validation task, and owed
        container jobs from its sweep (signals)."""
        from arena.execution.liveness import on_run_owed
        from arena.execution.services import on_algorithm_submitted
        from arena.submissions.signals import algorithm_submitted, run_owed

        algorithm_submitted.connect(
            on_algorithm_submitted, dispatch_uid="arena.execution.on_algorithm_submitted"
        )
        run_owed.connect(on_run_owed, dispatch_uid="arena.execution.on_run_owed")
