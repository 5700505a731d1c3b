from django.contrib import admin, messages

from arena.challenges import admin as challenges_admin
from arena.challenges.models import Phase
from arena.evaluation.services import reevaluate_phase
from arena.leaderboards.models import LeaderboardEntry
from arena.leaderboards.services import recompute_leaderboard


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ("phase", "rank", "participant", "score", "submission", "computed")
    list_filter = ("phase",)


admin.site.unregister(Phase)


@admin.register(Phase)
class PhaseAdmin(challenges_admin.PhaseAdmin):
    """The challenges app's phase admin plus the actions of the apps above it."""

    actions = ["recompute_leaderboards", "reevaluate_phases", "freeze", "unfreeze"]

    @admin.action(description="Recompute leaderboards")
    def recompute_leaderboards(self, request, queryset):
        for phase in queryset:
            recompute_leaderboard(phase)
        self.message_user(request, f"{queryset.count()} leaderboard(s) recomputed.")

    @admin.action(description="Re-evaluate all finished submissions")
    def reevaluate_phases(self, request, queryset):
        total = sum(reevaluate_phase(phase, by=request.user) for phase in queryset)
        self.message_user(request, f"{total} submission(s) queued for re-evaluation.")

    @admin.action(description="Unfreeze leaderboards and recompute")
    def unfreeze(self, request, queryset):
        queryset.update(frozen=False)
        for phase in queryset:
            recompute_leaderboard(phase)
        self.message_user(request, "Unfrozen and recomputed.", messages.SUCCESS)
