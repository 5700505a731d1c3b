from django.contrib import admin

from arena.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "text", "read", "created")
    list_filter = ("read",)
