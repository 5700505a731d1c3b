"""Creating and editing phases: one validation (a Django ModelForm) for the organizer pages and
the API, and one audit rule for what changed.

``PhaseForm(data, instance=phase)`` edits :data:`EDIT_FIELDS`; ``PhaseCreateForm(data,
challenge=...)`` also takes ``slug`` and ``task`` (fixed afterwards: the dataset and the
scores depend on them). Errors are per field (``form.errors``), each naming what was expected.
:func:`save_phase` saves a valid form and writes the audit log (``phase_create`` for a new
phase; a release / withdrawal of per-case results on its own; the other changes as one
``phase_edit`` entry with ``{field: [old, new]}``). ``frozen`` is never a plain field (a
board is frozen through its signed snapshot)."""

from __future__ import annotations

from django import forms

from arena.challenges import audit
from arena.challenges.models import AuditEntry, Challenge, Phase

EDIT_FIELDS = [
    "title", "description", "opens_at", "closes_at", "quota_count", "quota_period_days",
    "max_upload_mb", "leaderboard_visibility", "show_per_case", "leaderboard_policy", "kind",
    "time_limit_s", "memory_mb", "cpus", "gpu", "hide_logs", "scoring_case_timeout_s",
    "scoring_timeout_s",
]
CREATE_FIELDS = ["slug", "task", *EDIT_FIELDS]
BOOLEAN_FIELDS = {"show_per_case", "gpu", "hide_logs"}
#: the smallest sensible value of numeric settings (the model allows 0 for some)
MINIMA = {"quota_period_days": 1, "max_upload_mb": 1, "time_limit_s": 1, "memory_mb": 64,
          "cpus": 1}
#: changing these re-ranks the board (the web/API layer recomputes it)
RECOMPUTE_FIELDS = {"leaderboard_policy"}


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):  # the browser widget wants "YYYY-MM-DDTHH:MM"
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class PhaseForm(forms.ModelForm):
    """Settings of an existing phase (title, windows, quota, board, limits, logs, timeouts)."""

    class Meta:
        model = Phase
        fields = EDIT_FIELDS
        widgets = {
            "opens_at": _DateTimeInput(format="%Y-%m-%dT%H:%M"),
            "closes_at": _DateTimeInput(format="%Y-%m-%dT%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "opens_at": "UTC. Empty = open from the start.",
            "closes_at": "UTC. Empty = never closes.",
            "time_limit_s": "Algorithm phases: seconds a container may run.",
            "memory_mb": "Algorithm phases: memory of the container (MB).",
            "cpus": "Algorithm phases: CPU cores of the container.",
            "gpu": "Algorithm phases: the container gets a GPU.",
            "hide_logs": "Algorithm phases: participants do not see their container's logs.",
            "max_upload_mb": "Largest upload accepted (MB).",
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", f"Must be after the opening time ({opens:%Y-%m-%d %H:%M} UTC).")
        for name, least in MINIMA.items():
            value = data.get(name)
            if name in self.fields and value is not None and value < least:
                self.add_error(name, f"Must be at least {least} (got {value}).")
        case, whole = data.get("scoring_case_timeout_s"), data.get("scoring_timeout_s")
        if case and whole and case > whole:
            self.add_error("scoring_case_timeout_s",
                           f"Must not exceed the whole submission's scoring time ({whole:g} s).")
        kind = data.get("kind")
        instance = self.instance
        if (instance.pk and kind and kind != instance.kind
                and instance.submissions.exists()):  # reverse relation: no import upward
            self.add_error("kind", f"The phase already has submissions of kind '{instance.kind}'; "
                           "create a new phase for the other kind.")
        return data


class PhaseCreateForm(PhaseForm):
    """A new phase of ``challenge``: its slug (unique in the challenge) and evaluators task too."""

    class Meta(PhaseForm.Meta):
        fields = CREATE_FIELDS
        help_texts = {**PhaseForm.Meta.help_texts,
                      "slug": "Short name in URLs (letters, digits, - and _), unique in the challenge.",
                      "task": "evaluators task that scores the phase."}

    def __init__(self, *args, challenge: Challenge, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        self.instance.challenge = challenge

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Phase.objects.filter(challenge=self.challenge, slug=slug).exists():
            raise forms.ValidationError(f"A phase '{slug}' already exists in {self.challenge.slug}.")
        return slug

    def clean_task(self) -> str:
        from evaluators.tasks import task_names

        task = self.cleaned_data["task"].strip().replace("-", "_")
        if task not in task_names():
            raise forms.ValidationError(
                f"Unknown task '{task}': expected one of {', '.join(task_names())}.")
        return task

    def validate_unique(self):  # the challenge is not a form field: clean_slug checks it
        pass


def posted_values(data, phase: Phase) -> dict:
    """A browser form's values completed from the phase: a setting the request does not send
    at all keeps its value (checkboxes excepted: browsers send nothing for an unticked box)."""
    values = data.dict() if hasattr(data, "dict") else dict(data)
    for name in EDIT_FIELDS:
        if name not in values and name not in BOOLEAN_FIELDS:
            value = getattr(phase, name)
            values[name] = "" if value is None else value
    return values


def initial_values(phase: Phase, fields: list[str]) -> dict:
    """``{field: value}`` of the phase, the starting point of a partial (PATCH) edit."""
    return {name: getattr(phase, name) for name in fields}


def save_phase(form: PhaseForm, by) -> tuple[Phase, set[str]]:
    """Save a valid form, write the audit log and return ``(phase, changed field names)``."""
    creating = form.instance.pk is None
    phase = form.instance
    old = {} if creating else dict(Phase.objects.filter(pk=phase.pk).values(*EDIT_FIELDS).get())
    phase = form.save()
    if creating:
        audit.record(AuditEntry.Action.PHASE_CREATE, phase=phase, actor=by,
                     summary=f"phase {phase.slug} created ({phase.task}, {phase.kind})",
                     values={name: getattr(phase, name) for name in CREATE_FIELDS})
        return phase, set(CREATE_FIELDS)
    changes = audit.field_changes(phase, old, EDIT_FIELDS)
    changed = set(changes)
    released = changes.pop("show_per_case", None)
    if released is not None:
        record_release(phase, by)
    if changes:
        audit.record(AuditEntry.Action.PHASE_EDIT, phase=phase, actor=by,
                     summary=f"{phase.slug}: {', '.join(sorted(changes))} changed", changes=changes)
    return phase, changed


def record_release(phase: Phase, by) -> None:
    """Audit entry of releasing (``show_per_case`` now True) or withholding per-case results."""
    action = AuditEntry.Action.RELEASE_CASES if phase.show_per_case else AuditEntry.Action.WITHHOLD_CASES
    audit.record(action, phase=phase, actor=by,
                 summary=f"per-case results of {phase.slug} "
                 f"{'released to participants' if phase.show_per_case else 'withheld'}")


def set_per_case_release(phase: Phase, release: bool, by) -> bool:
    """Release (True) or withhold per-case results; audited. Returns whether it changed."""
    if phase.show_per_case == release:
        return False
    phase.show_per_case = release
    phase.save(update_fields=["show_per_case"])
    record_release(phase, by)
    return True
