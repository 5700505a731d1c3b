"""Root URLs: the web UI at ``/`` (``arena.web``), the admin at ``/admin/``, the API at
``/api/v1/``."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from arena.api import pages as api_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="api-docs"),
    path("account/tokens/", api_pages.tokens, name="api-tokens"),
    path("api/v1/", include("arena.api.urls")),
    path("api/v1/", include("arena.execution.urls")),
    path("", include("arena.web.urls")),
]
