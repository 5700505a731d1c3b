"""Root URLs: the web UI at ``/`` (``arena.web``), the admin at ``/admin/``, the API at
``/api/v1/``."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("arena.api.urls")),
    path("api/v1/", include("arena.execution.urls")),
    path("", include("arena.web.urls")),
]
