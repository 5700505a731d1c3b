from django.contrib import admin

from arena.challenges.models import AuditEntry, Challenge, Phase


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "is_public", "requires_approval", "created")
    search_fields = ("slug", "title")
    filter_horizontal = ("organizers",)
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    """Phases. arena.leaderboards re-registers it with the recompute / re-evaluate actions."""

    list_display = (
        "__str__", "task", "kind", "opens_at", "closes_at", "leaderboard_visibility", "frozen"
    )
    list_filter = ("kind", "leaderboard_visibility", "task", "frozen")
    search_fields = ("slug", "title", "challenge__slug")
    readonly_fields = ("frozen",)  # frozen only through the freeze action (signed snapshot)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The organizers' audit log: read-only (entries are append-only)."""

    list_display = ("created", "challenge", "phase", "actor_name", "action", "summary")
    list_filter = ("action", "challenge")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
