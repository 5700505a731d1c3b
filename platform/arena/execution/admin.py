from django.contrib import admin

from arena.execution.models import AlgorithmImage, Job


@admin.register(AlgorithmImage)
class AlgorithmImageAdmin(admin.ModelAdmin):
    list_display = ("id", "submission", "phase", "image_id", "size_bytes", "user", "created")
    list_filter = ("phase",)
    search_fields = ("image_id", "archive_sha256")
    readonly_fields = [f.name for f in AlgorithmImage._meta.fields]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "submission", "status", "attempt", "reason", "exit_code",
                    "runtime_s", "peak_memory_bytes", "worker", "engine", "created")
    list_filter = ("status", "reason", "engine", "gpu")
    search_fields = ("submission__id", "worker", "error")
    readonly_fields = [f.name for f in Job._meta.fields]
