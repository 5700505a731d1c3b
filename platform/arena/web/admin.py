"""Admin of the web UI's own table: failed sign-ins (delete an account's rows to lift its lock)."""

from django.contrib import admin

from arena.web.models import SignInFailure


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    """Failed sign-ins, newest first, searchable by username and address."""

    list_display = ("username", "address", "created")
    search_fields = ("username", "address")
    ordering = ("-created",)
    readonly_fields = ("username", "address", "created")
