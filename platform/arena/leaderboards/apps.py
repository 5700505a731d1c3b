from django.apps import AppConfig


class LeaderboardsConfig(AppConfig):
    name = "arena.leaderboards"
    label = "leaderboards"
    verbose_name = "Leaderboards"

    def ready(self) -> None:
        """Recompute a phase's board when one of its submissions was scored (signal)."""
        from arena.evaluation.signals import submission_scored
        from arena.leaderboards.tasks import on_submission_scored

        submission_scored.connect(
            on_submission_scored, dispatch_uid="arena.leaderboards.on_submission_scored"
        )
