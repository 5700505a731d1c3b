"""URLs of the execution app, meant for ``path("api/v1/", include("arena.execution.urls"))``."""

from django.urls import path

from arena.execution.api import SubmissionJobView

app_name = "execution"

urlpatterns = [
    path("submissions/<int:submission_id>/job/", SubmissionJobView.as_view(), name="submission-job"),
]
