from django.contrib import admin

from arena.participation.models import Registration, Team


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "challenge", "status", "created")
    list_filter = ("status", "challenge")
    search_fields = ("user__username", "challenge__slug")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "challenge", "created")
    filter_horizontal = ("members",)
