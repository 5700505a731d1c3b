from django.contrib import admin

from arena.challenges.models import (
    AuditEntry,
    BundleVersion,
    Challenge,
    ChallengePage,
    DatasetCase,
    Phase,
)

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


class ChallengePageInline(admin.StackedInline):
    model = ChallengePage
    extra = 0


class BundleVersionInline(admin.TabularInline):
    """Bundle uploads (read-only: made by import_bundle)."""

    model = BundleVersion
    extra = 0
    can_delete = False
    fields = ("number", "created", "uploaded_by", "sha256", "references", "changed_phases")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    """Challenges. Who may create them through a bundle: users with the permission
    "challenges | challenge | Can add challenge" (user admin), and superusers."""

    list_display = ("slug", "title", "is_public", "requires_approval", "created_by", "created")
    search_fields = ("slug", "title")
    filter_horizontal = ("organizers",)
    readonly_fields = ("created_by",)
    inlines = [ChallengePageInline, PhaseInline, BundleVersionInline]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    """Phases. arena.leaderboards re-registers it with the recompute / re-evaluate actions."""

    list_display = (
        "__str__", "task", "kind", "opens_at", "closes_at", "leaderboard_visibility", "frozen"
    )
    list_filter = ("kind", "leaderboard_visibility", "task", "frozen")
    search_fields = ("slug", "title", "challenge__slug")
    readonly_fields = (*DATASET_FIELDS, "frozen")  # frozen only through the freeze action (signed snapshot)
    inlines = [DatasetCaseInline]


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
