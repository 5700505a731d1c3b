from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "arena.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        """Score predictions the submissions app hands over (signal, not a back-import)."""
        from arena.evaluation.services import schedule_scoring
        from arena.submissions.signals import predictions_ready

        predictions_ready.connect(schedule_scoring, dispatch_uid="arena.evaluation.schedule_scoring")
