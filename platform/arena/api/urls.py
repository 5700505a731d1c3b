"""API v1 URLs (mounted at ``/api/v1/``)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from arena.api import bundles, final, manage_people, manage_phases, robustness, teams, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("challenges/", bundles.ChallengeListCreateView.as_view(), name="challenge-list"),
    path("challenges/<slug:slug>/", views.ChallengeDetailView.as_view(), name="challenge-detail"),
    path("challenges/<slug:slug>/join/", views.JoinChallengeView.as_view(), name="challenge-join"),
    path(
        "challenges/<slug:slug>/bundle/confirm/",
        bundles.BundleConfirmView.as_view(),
        name="bundle-confirm",
    ),
    path(
        "challenges/<slug:slug>/pages/<slug:page>/",
        bundles.ChallengePageView.as_view(),
        name="challenge-page",
    ),
    path("challenges/<slug:slug>/team/", teams.TeamView.as_view(), name="challenge-team"),
    path(
        "challenges/<slug:slug>/team/invitations/",
        teams.TeamInviteView.as_view(),
        name="team-invite",
    ),
    path("challenges/<slug:slug>/team/leave/", teams.TeamLeaveView.as_view(), name="team-leave"),
    # organizers (h11org): phases, datasets, people, audit
    path("challenges/<slug:slug>/phases/", manage_phases.ManagedPhaseListView.as_view(),
         name="manage-phases"),
    path("challenges/<slug:slug>/phases/<int:phase_id>/", manage_phases.ManagedPhaseView.as_view(),
         name="manage-phase"),
    path("challenges/<slug:slug>/phases/<int:phase_id>/dataset/",
         manage_phases.PhaseDatasetView.as_view(), name="manage-phase-dataset"),
    path("challenges/<slug:slug>/phases/<int:phase_id>/per-case/",
         manage_phases.PhasePerCaseView.as_view(), name="manage-phase-per-case"),
    path("challenges/<slug:slug>/organizers/", manage_people.OrganizersView.as_view(),
         name="manage-organizers"),
    path("challenges/<slug:slug>/organizers/<str:username>/", manage_people.OrganizerView.as_view(),
         name="manage-organizer"),
    path("challenges/<slug:slug>/registrations/", manage_people.RegistrationListView.as_view(),
         name="manage-registrations"),
    path("challenges/<slug:slug>/registrations/<int:registration_id>/",
         manage_people.RegistrationDecisionView.as_view(), name="manage-registration"),
    path("challenges/<slug:slug>/teams/", manage_people.TeamListView.as_view(), name="manage-teams"),
    path("challenges/<slug:slug>/submissions/<int:submission_id>/disqualification/",
         manage_people.DisqualificationView.as_view(), name="manage-disqualification"),
    path("challenges/<slug:slug>/submissions/<int:submission_id>/baseline/",
         manage_people.BaselineView.as_view(), name="manage-baseline"),
    path("challenges/<slug:slug>/audit/", manage_people.AuditLogView.as_view(), name="manage-audit"),
    path("organizer-invitations/", manage_people.OrganizerInvitationListView.as_view(),
         name="organizer-invitation-list"),
    path("organizer-invitations/<int:organizer_invitation_id>/accept/",
         manage_people.OrganizerInvitationAcceptView.as_view(), name="organizer-invitation-accept"),
    path("organizer-invitations/<int:organizer_invitation_id>/decline/",
         manage_people.OrganizerInvitationDeclineView.as_view(), name="organizer-invitation-decline"),
    path("invitations/", teams.InvitationListView.as_view(), name="invitation-list"),
    path(
        "invitations/<int:invitation_id>/accept/",
        teams.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        teams.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
    path("phases/<int:phase_id>/", views.PhaseDetailView.as_view(), name="phase-detail"),
    path(
        "phases/<int:phase_id>/submissions/",
        views.PhaseSubmissionsView.as_view(),
        name="phase-submissions",
    ),
    path(
        "phases/<int:phase_id>/leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"
    ),
    path(
        "phases/<int:phase_id>/leaderboard/robustness/",
        robustness.LeaderboardRobustnessView.as_view(),
        name="leaderboard-robustness",
    ),
    path(
        "phases/<int:phase_id>/leaderboard/snapshot/",
        final.SnapshotView.as_view(),
        name="leaderboard-snapshot",
    ),
    path("keys/", final.KeysView.as_view(), name="keys"),
    path("phases/<int:phase_id>/inputs/", views.PhaseInputsView.as_view(), name="phase-inputs"),
    path(
        "phases/<int:phase_id>/reevaluate/",
        views.PhaseReevaluateView.as_view(),
        name="phase-reevaluate",
    ),
    path(
        "submissions/<int:submission_id>/",
        views.SubmissionDetailView.as_view(),
        name="submission-detail",
    ),
    path(
        "submissions/<int:submission_id>/reevaluate/",
        views.SubmissionReevaluateView.as_view(),
        name="submission-reevaluate",
    ),
    path(
        "submissions/<int:submission_id>/cancel/",
        views.SubmissionCancelView.as_view(),
        name="submission-cancel",
    ),
]
