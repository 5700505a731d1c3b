from django.contrib import admin, messages

from arena.challenges import admin as challenges_admin
from arena.challenges.models import Phase
from arena.evaluation.services import reevaluate_phase
from arena.leaderboards.models import BoardSnapshot, LeaderboardEntry
from arena.leaderboards.services import recompute_leaderboard
from arena.leaderboards.snapshots import freeze_board, unfreeze_board


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

    @admin.action(description="Freeze leaderboards (final, signed snapshot)")
    def freeze(self, request, queryset):
        for phase in queryset:
            freeze_board(phase, by=request.user)
        self.message_user(request, "Frozen: signed snapshots written.", messages.SUCCESS)

    @admin.action(description="Unfreeze leaderboards and recompute")
    def unfreeze(self, request, queryset):
        for phase in queryset:
            unfreeze_board(phase, by=request.user)
        self.message_user(request, "Unfrozen and recomputed.", messages.SUCCESS)


@admin.register(BoardSnapshot)
class BoardSnapshotAdmin(admin.ModelAdmin):
    """Read-only: a final board's snapshot is never edited."""

    list_display = ("phase", "created", "created_by", "sha256")
    list_filter = ("phase",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
