"""Forms of the web UI: sign-up, submission upload, organizer phase settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from arena.challenges.models import Phase


class SignupForm(UserCreationForm):
    """Username + optional email + password twice (Django's password validators apply)."""

    email = forms.EmailField(
        required=False, help_text="Optional: where we email you when a submission is scored."
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class SubmissionForm(forms.Form):
    """One archive (zip / tar.gz of prediction files, or a container image tar[.gz])."""

    file = forms.FileField(
        label="Archive",
        error_messages={"required": "Choose an archive file to upload (field 'file')."},
    )
    method = forms.CharField(
        max_length=100, required=False, label="Method name",
        help_text="Shown on the leaderboard beside your name. Empty: the name of your last "
                  "submission to this phase.",
    )
    comment = forms.CharField(
        max_length=500, required=False, help_text="Optional note shown in your submission list."
    )


class TeamForm(forms.Form):
    """A new team: its name and the usernames of the people to invite (they join when they
    accept)."""

    name = forms.CharField(max_length=100)
    members = forms.CharField(
        required=False,
        max_length=1000,
        label="Invite",
        help_text="Usernames to invite, separated by commas; they join when they accept.",
    )

    def member_names(self) -> list[str]:
        raw = self.cleaned_data.get("members") or ""
        return [n.strip() for n in raw.split(",") if n.strip()]


class InviteForm(forms.Form):
    """An invitation into the user's team: the invitee's username."""

    username = forms.CharField(max_length=150)


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):  # the browser widget wants "YYYY-MM-DDTHH:MM"
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class PhaseSettingsForm(forms.ModelForm):
    """What organizers may change on a phase from the web UI (datasets stay admin/CLI-only)."""

    class Meta:
        model = Phase
        fields = [
            "title",
            "description",
            "opens_at",
            "closes_at",
            "quota_count",
            "quota_period_days",
            "max_upload_mb",
            "leaderboard_visibility",
            "show_per_case",
            "leaderboard_policy",
        ]  # frozen: through the freeze button (signed snapshot), never a plain field
        widgets = {
            "opens_at": _DateTimeInput(format="%Y-%m-%dT%H:%M"),
            "closes_at": _DateTimeInput(format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "opens_at": "UTC. Empty = open from the start.",
            "closes_at": "UTC. Empty = never closes.",
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", f"Must be after the opening time ({opens:%Y-%m-%d %H:%M} UTC).")
        return data
