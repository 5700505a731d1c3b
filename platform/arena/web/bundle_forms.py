"""Forms of organizer-hosted challenges: a bundle upload and a markdown page edit."""

from __future__ import annotations

from django import forms

from arena.challenges.pages import MAX_BODY_CHARS


class BundleForm(forms.Form):
    """One challenge bundle (zip with challenge.yaml at its root)."""

    bundle = forms.FileField(
        label="Challenge bundle (.zip)",
        error_messages={"required": "Choose a bundle file to upload (field 'bundle')."},
    )


class PageForm(forms.Form):
    """Title and markdown body of a challenge page."""

    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "class": "mono"}), required=False,
        max_length=MAX_BODY_CHARS, help_text="Markdown. Raw HTML and scripts are removed when "
        "the page is shown.",
    )
