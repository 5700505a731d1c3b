"""Bundle versions after the import: the latest one and the organizer's confirmation of
changed references (the re-evaluation itself is the evaluation app's,
``arena.evaluation.bundles.confirm_reference_change``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from arena.challenges import audit
from arena.challenges.models import AuditEntry, BundleVersion, Challenge, Phase


class NothingToConfirm(Exception):
    """The version has no reference change waiting for confirmation."""


def latest_version(challenge: Challenge) -> BundleVersion | None:
    """The newest bundle version of the challenge (None for challenges made without one)."""
    return challenge.bundle_versions.order_by("-number").first()


def awaiting_versions(challenge: Challenge):
    """Versions whose changed references wait for an organizer's confirmation."""
    return challenge.bundle_versions.filter(references=BundleVersion.References.AWAITING)


def mark_confirmed(version: BundleVersion, by=None) -> list[Phase]:
    """Mark the version's reference change confirmed (row-locked; audit entry) and return the
    phases whose submissions are to be re-evaluated. Raises :class:`NothingToConfirm`."""
    with transaction.atomic():
        locked = BundleVersion.objects.select_for_update().get(pk=version.pk)
        if locked.references != BundleVersion.References.AWAITING:
            raise NothingToConfirm(f"bundle version {locked.number} has no reference change "
                                   "awaiting confirmation")
        locked.references = BundleVersion.References.CONFIRMED
        locked.confirmed_by = by if getattr(by, "is_authenticated", False) else None
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["references", "confirmed_by", "confirmed_at"])
        phases = list(Phase.objects.filter(challenge_id=locked.challenge_id,
                                           slug__in=locked.changed_phases))
        audit.record(AuditEntry.Action.REFERENCES_CONFIRMED, challenge=locked.challenge, actor=by,
                     summary=f"changed references of bundle version {locked.number} confirmed: "
                     f"{', '.join(p.slug for p in phases)} re-evaluated",
                     version=locked.number, phases=[p.slug for p in phases])
    version.refresh_from_db()
    return phases
