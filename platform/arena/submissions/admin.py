from django.contrib import admin

from arena.submissions.models import StatusChange, Submission


class StatusChangeInline(admin.TabularInline):
    """The submission's recorded status changes, read-only (written by the state machine)."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("at", "attempt", "source", "target", "user", "worker", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Submissions. arena.evaluation re-registers it with the re-evaluate action."""

    list_display = ("id", "phase", "creator", "team", "kind", "status", "attempt", "created")
    list_filter = ("status", "kind", "phase")
    search_fields = ("creator__username", "sha256")
    readonly_fields = ("status", "sha256", "size", "created", "started", "finished")
    inlines = [StatusChangeInline]
