from django.contrib import admin

from arena.leaderboards.models import LeaderboardEntry


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):
    list_display = ("phase", "rank", "participant", "score", "submission", "computed")
    list_filter = ("phase",)
