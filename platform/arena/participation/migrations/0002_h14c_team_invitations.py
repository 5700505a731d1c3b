"""Teams by invitation: Membership (with its start time) replaces the plain member list, and
Invitation is added. Existing members are kept, joined at the team's creation time."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _copy_members(apps, schema_editor):
    Team = apps.get_model("participation", "Team")
    Membership = apps.get_model("participation", "Membership")
    seen = set()
    for team in Team.objects.order_by("created", "pk"):
        for user_id in team.old_members.values_list("pk", flat=True):
            if (team.challenge_id, user_id) in seen:  # a user drafted into two teams: keep the first
                continue
            seen.add((team.challenge_id, user_id))
            Membership.objects.create(
                team=team, user_id=user_id, challenge_id=team.challenge_id, joined=team.created
            )


class Migration(migrations.Migration):

    dependencies = [
        ("challenges", "0001_initial"),
        ("participation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("team", "members", "old_members"),
        migrations.AlterField(
            model_name="team",
            name="old_members",
            field=models.ManyToManyField(
                blank=True, related_name="old_teams", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("joined", models.DateTimeField()),
                ("challenge", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="team_memberships", to="challenges.challenge")),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="participation.team")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="team_memberships", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["joined"],
                "constraints": [
                    models.UniqueConstraint(fields=("team", "user"), name="unique_team_member"),
                    models.UniqueConstraint(fields=("challenge", "user"), name="one_team_per_challenge"),
                ],
            },
        ),
        migrations.RunPython(_copy_members, migrations.RunPython.noop),
        migrations.RemoveField("team", "old_members"),
        migrations.AddField(
            model_name="team",
            name="members",
            field=models.ManyToManyField(
                blank=True, related_name="teams", through="participation.Membership", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.CreateModel(
            name="Invitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(choices=[("pending", "Pending"), ("accepted", "Accepted"), ("declined", "Declined"), ("cancelled", "Cancelled")], default="pending", max_length=16)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("decided", models.DateTimeField(blank=True, null=True)),
                ("invited_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="team_invitations_sent", to=settings.AUTH_USER_MODEL)),
                ("invitee", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="team_invitations", to=settings.AUTH_USER_MODEL)),
                ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="invitations", to="participation.team")),
            ],
            options={
                "ordering": ["-created"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("status", "pending")), fields=("team", "invitee"), name="one_pending_invitation"),
                ],
            },
        ),
    ]
