from django.contrib import admin

from arena.evaluation.models import Evaluation


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("submission", "attempt", "evaluators_version", "reference_digest", "created")
    readonly_fields = ("created",)
