from django.contrib import admin

from arena.submissions.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "phase", "creator", "team", "kind", "status", "attempt", "created")
    list_filter = ("status", "kind", "phase")
    search_fields = ("creator__username", "sha256")
    readonly_fields = ("sha256", "size", "created", "started", "finished")
