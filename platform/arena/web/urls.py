"""Web UI URLs (namespace ``web``)."""

from django.urls import path

from arena.web.views import (
    accounts,
    assets,
    final,
    leaderboards,
    notifications,
    organizer,
    pages,
    submissions,
    teams,
)

app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    path("challenges/", pages.challenge_list, name="challenge_list"),
    path("challenges/<slug:slug>/", pages.challenge_detail, name="challenge_detail"),
    path("challenges/<slug:slug>/join/", pages.challenge_join, name="challenge_join"),
    path("challenges/<slug:slug>/team/", teams.team_create, name="team_create"),
    path("challenges/<slug:slug>/team/invite/", teams.team_invite, name="team_invite"),
    path("challenges/<slug:slug>/team/leave/", teams.team_leave, name="team_leave"),
    path("invitations/<int:invitation_id>/accept/", teams.invitation_accept, name="invitation_accept"),
    path("invitations/<int:invitation_id>/decline/", teams.invitation_decline, name="invitation_decline"),
    path("phases/<int:phase_id>/leaderboard/", leaderboards.leaderboard, name="leaderboard"),
    path("phases/<int:phase_id>/leaderboard.csv", leaderboards.leaderboard_csv, name="leaderboard_csv"),
    path("phases/<int:phase_id>/final-board.json", final.snapshot_download, name="snapshot_download"),
    path("phases/<int:phase_id>/cases.csv", final.board_cases_csv, name="board_cases_csv"),
    path("submissions/<int:submission_id>/cases.csv", final.submission_cases_csv, name="submission_cases_csv"),
    path("about/keys/", final.about_keys, name="about_keys"),
    path("challenges/<slug:slug>/audit/", organizer.challenge_audit, name="challenge_audit"),
    path("challenges/<slug:slug>/audit.csv", organizer.challenge_audit_csv, name="challenge_audit_csv"),
    path("manage/phases/<int:phase_id>/freeze/", organizer.phase_freeze, name="phase_freeze"),
    path("phases/<int:phase_id>/inputs.zip", leaderboards.inputs_download, name="inputs_download"),
    path("phases/<int:phase_id>/submit/", submissions.submit, name="submit"),
    path("submissions/", submissions.my_submissions, name="my_submissions"),
    path("submissions/<int:submission_id>/", submissions.submission_detail, name="submission_detail"),
    path("submissions/<int:submission_id>/cancel/", submissions.submission_cancel, name="submission_cancel"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("manage/phases/<int:phase_id>/", organizer.phase_manage, name="phase_manage"),
    path("manage/phases/<int:phase_id>/reevaluate/", organizer.phase_reevaluate, name="phase_reevaluate"),
    path("manage/phases/<int:phase_id>/visibility/", organizer.phase_visibility, name="phase_visibility"),
    path(
        "manage/phases/<int:phase_id>/registrations/<int:registration_id>/",
        organizer.registration_decide,
        name="registration_decide",
    ),
    path(
        "manage/submissions/<int:submission_id>/disqualify/",
        organizer.submission_disqualify,
        name="submission_disqualify",
    ),
    path(
        "manage/submissions/<int:submission_id>/baseline/",
        organizer.submission_baseline,
        name="submission_baseline",
    ),
    path(
        "manage/submissions/<int:submission_id>/reevaluate/",
        organizer.submission_reevaluate,
        name="submission_reevaluate",
    ),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("vendor/plotly.min.js", assets.plotly_js, name="plotly_js"),
]
