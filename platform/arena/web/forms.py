"""Forms of the web UI: sign-up, submission upload, teams (organizer phase forms:
``arena.challenges.phase_forms``, shared with the API)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm


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
