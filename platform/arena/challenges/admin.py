from django.contrib import admin, messages

from arena.challenges.models import Challenge, DatasetCase, Phase

# Set by the dataset import (manage.py import_dataset), never edited by hand.
DATASET_FIELDS = ("inputs_path", "references_path", "reference_digest", "inputs_archive",
                  "dataset_imported")


class PhaseInline(admin.StackedInline):
    model = Phase
    extra = 0
    readonly_fields = DATASET_FIELDS


class DatasetCaseInline(admin.TabularInline):
    model = DatasetCase
    extra = 0
    can_delete = False
    fields = ("case_id", "digest", "input_files", "geometry", "labels")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "is_public", "requires_approval", "created")
    search_fields = ("slug", "title")
    filter_horizontal = ("organizers",)
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = (
        "__str__", "task", "kind", "opens_at", "closes_at", "leaderboard_visibility", "frozen"
    )
    list_filter = ("kind", "leaderboard_visibility", "task", "frozen")
    search_fields = ("slug", "title", "challenge__slug")
    readonly_fields = DATASET_FIELDS
    inlines = [DatasetCaseInline]
    actions = ["recompute_leaderboards", "reevaluate_phases", "freeze", "unfreeze"]

    @admin.action(description="Recompute leaderboards")
    def recompute_leaderboards(self, request, queryset):
        from arena.leaderboards.services import recompute_leaderboard

        for phase in queryset:
            recompute_leaderboard(phase)
        self.message_user(request, f"{queryset.count()} leaderboard(s) recomputed.")

    @admin.action(description="Re-evaluate all finished submissions")
    def reevaluate_phases(self, request, queryset):
        from arena.evaluation.services import reevaluate_phase

        total = sum(reevaluate_phase(phase, by=request.user) for phase in queryset)
        self.message_user(request, f"{total} submission(s) queued for re-evaluation.")

    @admin.action(description="Freeze leaderboards (final, auditable)")
    def freeze(self, request, queryset):
        queryset.update(frozen=True)
        self.message_user(request, "Frozen.", messages.SUCCESS)

    @admin.action(description="Unfreeze leaderboards and recompute")
    def unfreeze(self, request, queryset):
        from arena.leaderboards.services import recompute_leaderboard

        queryset.update(frozen=False)
        for phase in queryset:
            recompute_leaderboard(phase)
        self.message_user(request, "Unfrozen and recomputed.", messages.SUCCESS)
