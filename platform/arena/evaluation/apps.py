from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "arena.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"
