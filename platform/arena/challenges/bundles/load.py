"""``import_bundle``: the one service behind the three doors (web page, API, management
command). Stage → check everything → create or update the challenge, its pages, phases and
datasets in one transaction, files through the storage API. On any problem or failure nothing
is created or stored (files written before the failure are deleted again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import transaction
from django.db.models import Max

from arena import files
from arena.challenges import audit, permissions
from arena.challenges.bundles.problems import MANIFEST, BundleError, Problem
from arena.challenges.bundles.schema import BundleSpec, PhaseSpec
from arena.challenges.bundles.source import StagedBundle, stage
from arena.challenges.bundles.validate import check_bundle
from arena.challenges.datasets import DatasetError, import_dataset_folders
from arena.challenges.models import AuditEntry, BundleVersion, Challenge, ChallengePage, Phase


class BundleForbidden(BundleError):
    """The uploader may not create this challenge, or does not organize the existing one."""


@dataclass
class ImportResult:
    """What one import did: the challenge, the new bundle version, whether the challenge was
    created, its phases (bundle order) and the slugs of phases whose references changed
    (re-evaluation waits for the organizer's confirmation)."""

    challenge: Challenge
    version: BundleVersion
    created: bool
    phases: list[Phase] = field(default_factory=list)
    references_changed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The API's 201 body: ``{"id", "slug", "version", "created", "references_changed",
        "phases": [{"id", "slug", "task", "kind"}]}``."""
        return {
            "id": self.challenge.pk, "slug": self.challenge.slug, "version": self.version.number,
            "created": self.created, "references_changed": self.references_changed,
            "phases": [{"id": p.pk, "slug": p.slug, "task": p.task, "kind": p.kind}
                       for p in self.phases],
        }


_BOARD = {"public": Phase.Visibility.PUBLIC, "participants": Phase.Visibility.PARTICIPANTS,
          "hidden": Phase.Visibility.HIDDEN}


def _phase_fields(spec: PhaseSpec, order: int) -> dict:
    return {
        "title": spec.title, "description": spec.description, "order": order, "task": spec.task,
        "kind": spec.kind, "opens_at": spec.opens, "closes_at": spec.closes,
        "quota_count": spec.daily_limit, "quota_period_days": 1,
        "leaderboard_visibility": _BOARD[spec.leaderboard], "leaderboard_policy": spec.policy,
        "ranking_rule": spec.ranking_rule, "show_per_case": spec.show_per_case,
        "hide_logs": spec.hide_logs, "time_limit_s": spec.time_limit_s,
        "memory_mb": spec.memory_mb, "cpus": spec.cpus, "gpu": spec.gpu,
        "max_upload_mb": spec.max_upload_mb,
    }


def _authorize(spec: BundleSpec, existing: Challenge | None, by) -> None:
    if by is None:  # the system: management command, demo seed
        return
    if existing is not None and not permissions.is_organizer(by, existing):
        raise BundleForbidden([Problem(MANIFEST, "slug", f"challenge {spec.slug!r} exists and "
                                       "you do not organize it; choose another slug")])
    if existing is None and not permissions.can_create_challenge(by):
        raise BundleForbidden([Problem("", "", "you may not create challenges (ask the site's "
                                       "staff for the permission 'Can add challenge')")])


def _pages(challenge: Challenge, spec: BundleSpec, root: Path) -> list[str]:
    """Create or replace the bundle's pages (pages not in the bundle are kept); their slugs."""
    slugs = []
    for page in spec.pages:
        body = (root / PurePosixPath(page.file)).read_text(encoding="utf-8")
        obj, created = ChallengePage.objects.get_or_create(
            challenge=challenge, slug=page.slug,
            defaults={"title": page.title, "body": body, "order": page.order})
        if not created and (obj.title, obj.body, obj.order) != (page.title, body, page.order):
            obj.title, obj.body, obj.order = page.title, body, page.order
            obj.save()
        slugs.append(page.slug)
    return slugs


def _load(spec: BundleSpec, staged: StagedBundle, by, written: list[tuple[str, str]]) -> ImportResult:
    root = staged.root
    challenge = Challenge.objects.select_for_update().filter(slug=spec.slug).first()
    _authorize(spec, challenge, by)
    created = challenge is None
    if created:
        challenge = Challenge(slug=spec.slug, created_by=by)
    challenge.title = spec.title
    challenge.description = spec.description or challenge.description
    challenge.is_public = spec.public
    challenge.requires_approval = spec.requires_approval
    challenge.save()
    if created and by is not None:
        challenge.organizers.add(by)
    number = (challenge.bundle_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    kind = "tar.gz" if staged.archive.name.endswith(".tar.gz") else staged.archive.suffix[1:]
    archive = f"bundles/{challenge.slug}/v{number}-{staged.sha256[:12]}.{kind}"
    files.upload_file(staged.archive, archive)
    written.append((files.DEFAULT, archive))
    pages = _pages(challenge, spec, root)
    phases: list[Phase] = []
    changed: list[str] = []
    for order, ps in enumerate(spec.phases):
        phase = Phase.objects.filter(challenge=challenge, slug=ps.slug).first()
        if phase is not None and phase.task != ps.task and phase.submissions.exists():
            raise BundleError([Problem(MANIFEST, f"phases[{order}].task", f"phase {ps.slug!r} "
                                       f"has submissions scored for task {phase.task!r}; a new "
                                       "task needs a new phase slug")])
        phase = phase or Phase(challenge=challenge, slug=ps.slug)
        for name, value in _phase_fields(ps, order).items():
            setattr(phase, name, value)
        phase.save()
        old = (phase.references_path, phase.inputs_archive, phase.reference_digest)
        inputs = root / PurePosixPath(ps.inputs) if ps.inputs else None
        try:
            import_dataset_folders(phase, inputs, root / PurePosixPath(ps.references))
        except DatasetError as exc:
            raise BundleError([Problem(ps.references, f"phases[{order}].references", str(exc))])
        if phase.references_path != old[0]:
            written.append((files.DATASETS, phase.references_path.rsplit("/", 1)[0]))
        if phase.inputs_archive != old[1]:
            written.append((files.DEFAULT, phase.inputs_archive))
        if old[2] and old[2] != phase.reference_digest and phase.submissions.exists():
            changed.append(phase.slug)
        phases.append(phase)
    version = BundleVersion.objects.create(
        challenge=challenge, number=number, sha256=staged.sha256, uploaded_by=by,
        manifest=spec.manifest(), archive=archive, changed_phases=changed,
        references=(BundleVersion.References.AWAITING if changed
                    else BundleVersion.References.UNCHANGED),
    )
    if created:
        audit.record(AuditEntry.Action.CHALLENGE_CREATED, challenge=challenge, actor=by,
                     summary=f"challenge {challenge.slug} created from bundle version 1",
                     sha256=staged.sha256)
    audit.record(AuditEntry.Action.BUNDLE, challenge=challenge, actor=by,
                 summary=f"bundle version {number} loaded: {len(phases)} phase(s)"
                 + (f"; references changed in {', '.join(changed)} (awaiting confirmation)"
                    if changed else ""),
                 version=number, sha256=staged.sha256, pages=pages,
                 phases=[p.slug for p in phases], references_changed=changed)
    return ImportResult(challenge, version, created, phases, changed)


def _remove(written: list[tuple[str, str]]) -> None:
    for alias, name in reversed(written):
        try:
            if name.startswith("phase-") and alias == files.DATASETS:
                files.delete_folder(name, alias=alias)
            else:
                files.delete(name, alias=alias)
        except OSError:
            pass


def import_bundle(source, *, by=None) -> ImportResult:
    """Load a challenge bundle: ``source`` is a local folder, a local zip / tar.gz path or an
    uploaded file; ``by`` the uploading user (None = the system, e.g. ``import_challenge``).

    A new slug creates the challenge (``by`` needs ``challenges.add_challenge`` and becomes
    its organizer and ``created_by``); an existing slug (``by`` must organize it) becomes a new
    :class:`BundleVersion`: challenge, pages and phases updated, datasets re-imported. Phases
    whose references changed and that have submissions are listed in ``references_changed``;
    their submissions are re-evaluated only when an organizer confirms
    (``arena.evaluation.bundles.confirm_reference_change``).

    Raises :class:`BundleError` (``.problems``: every problem, each with file and field) or
    its subclass :class:`BundleForbidden`; then nothing was created or stored."""
    staged = stage(source)
    written: list[tuple[str, str]] = []
    try:
        spec, problems = check_bundle(staged.root)
        if problems:
            raise BundleError(problems)
        existing = Challenge.objects.filter(slug=spec.slug).first()
        _authorize(spec, existing, by)
        with transaction.atomic():
            return _load(spec, staged, by, written)
    except BaseException:
        _remove(written)
        raise
    finally:
        staged.cleanup()
