from django.contrib import admin

from arena.submissions.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "phase", "creator", "team", "kind", "status", "attempt", "created")
    list_filter = ("status", "kind", "phase")
    search_fields = ("creator__username", "sha256")
    readonly_fields = ("sha256", "size", "created", "started", "finished")
    actions = ["reevaluate"]

    @admin.action(description="Re-evaluate (new attempt)")
    def reevaluate(self, request, queryset):
        from arena.evaluation.services import reevaluate_submission

        for sub in queryset:
            reevaluate_submission(sub, by=request.user)
        self.message_user(request, f"{queryset.count()} submission(s) queued.")
