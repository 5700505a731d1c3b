from django.contrib import admin

from arena.evaluation.models import Evaluation
from arena.evaluation.services import reevaluate_submission
from arena.submissions import admin as submissions_admin
from arena.submissions.models import Submission


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("submission", "attempt", "evaluators_version", "reference_digest", "created")
    readonly_fields = ("created",)


admin.site.unregister(Submission)


@admin.register(Submission)
class SubmissionAdmin(submissions_admin.SubmissionAdmin):
    """The submissions app's admin plus re-evaluation (a new attempt)."""

    actions = ["reevaluate"]

    @admin.action(description="Re-evaluate (new attempt)")
    def reevaluate(self, request, queryset):
        for sub in queryset:
            reevaluate_submission(sub, by=request.user)
        self.message_user(request, f"{queryset.count()} submission(s) queued.")
