"""URLconf of the execution unit tests: the project's URLs + the execution app's API URLs
(which the integrator mounts under /api/v1/)."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("arena.execution.urls")),
    path("", include("arena.urls")),
]
