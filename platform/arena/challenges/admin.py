from django.contrib import admin, messages

from arena.challenges.models import Challenge, Phase


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
    actions = ["freeze"]

    @admin.action(description="Freeze leaderboards (final, auditable)")
    def freeze(self, request, queryset):
        queryset.update(frozen=True)
        self.message_user(request, "Frozen.", messages.SUCCESS)
