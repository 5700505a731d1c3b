from django.contrib import admin

from arena.participation.models import Invitation, Membership, Registration, Team


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "challenge", "status", "created")
    list_filter = ("status", "challenge")
    search_fields = ("user__username", "challenge__slug")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "joined")
    readonly_fields = ("user", "joined")
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # people join by accepting an invitation, never by being added


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "challenge", "created")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("team", "invitee", "invited_by", "status", "created", "decided")
    list_filter = ("status",)
    readonly_fields = ("team", "invitee", "invited_by", "created")
