from django.contrib import admin

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
    list_display = ("__str__", "task", "kind", "opens_at", "closes_at", "leaderboard_visibility")
    list_filter = ("kind", "leaderboard_visibility", "task")
    search_fields = ("slug", "title", "challenge__slug")
