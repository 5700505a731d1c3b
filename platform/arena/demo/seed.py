"""``seed_demo``: create (idempotently) the demo accounts, the six demo challenges — loaded
from the bundles in ``arena/demo/bundles/`` with synthetic test sets generated into them, by
the same ``import_bundle`` as organizers' uploads — and a few demo submissions scored through
the real pipeline (the Celery task functions, run eagerly in this process)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction

from arena.challenges.models import Challenge, Phase
from arena.demo import algorithm as demo_algorithm
from arena.demo import datasets, nnunet, predictions
from arena.demo.spec import ACCOUNTS, CHALLENGES, SUBMISSIONS, DemoChallenge

Log = Callable[[str], None]


@dataclass
class SeedReport:
    """What one run did: counts, and problems that did not stop the seed."""

    challenges: int = 0
    phases: int = 0
    submissions_created: int = 0
    submissions_ok: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def ensure_accounts() -> dict[str, object]:
    """Create the demo users (passwords reset to the documented demo ones)."""
    User = get_user_model()
    users = {}
    for account in ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.email = account.email
        user.is_staff = account.role == "admin"
        user.is_superuser = account.role == "admin"
        user.set_password(account.password)
        user.save()
        users[account.username] = user
    return users


def _load_bundle(spec: DemoChallenge, log: Log) -> tuple[Challenge, dict[str, Path]]:
    """Load the demo bundle through ``import_bundle`` (skipped when the latest bundle version
    has the same content); a changed reference set is confirmed at once, so the phase's demo
    submissions are re-scored. Returns the challenge and each phase's generated dataset."""
    from arena.challenges.bundles import import_bundle
    from arena.challenges.bundles.source import folder_digest
    from arena.challenges.bundles.versions import latest_version

    bundle, roots = datasets.ensure_bundle(spec)
    challenge = Challenge.objects.filter(slug=spec.slug).first()
    latest = latest_version(challenge) if challenge is not None else None
    if latest is None or latest.sha256 != folder_digest(bundle):
        result = import_bundle(bundle, by=None)
        challenge = result.challenge
        if result.references_changed:
            from arena.evaluation.bundles import confirm_reference_change

            count = confirm_reference_change(result.version)
            log(f"  {spec.slug}: reference set changed, {count} submission(s) re-evaluated")
    return challenge, roots


def _ensure_members(challenge: Challenge, users: dict[str, object]) -> None:
    """The demo organizer organizes it; the demo participants are registered."""
    from arena.participation.services import join_challenge

    challenge.organizers.add(users["organizer"])
    for account in ACCOUNTS:
        if account.role == "participant":
            join_challenge(users[account.username], challenge)


@contextlib.contextmanager
def eager_celery() -> Iterator[None]:
    """Run Celery tasks inline (same task functions as the worker) for the seed's duration,
    with demo emails kept in memory and the per-task log lines muted."""
    from django.test.utils import override_settings

    from arena.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    loggers = [logging.getLogger(name) for name in ("celery", "celery.app.trace", "arena")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        app.conf.task_always_eager = before
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _prediction_folder(phase: Phase, root: Path, variant: str, work: Path) -> Path:
    """Predictions of ``variant`` made from the local generated dataset ``root``."""
    out = work / variant
    if out.is_dir():
        return out
    if variant == "baseline":
        return predictions.baseline_predictions(phase.task, root / "inputs", out)
    return predictions.perturbed_references(root / "references", out, variant)


def _already_submitted(phase: Phase, user, comment: str) -> bool:
    """Whether the demo submission keyed by ``comment`` exists and counts (not failed)."""
    from arena.submissions.models import Submission

    return Submission.objects.filter(phase=phase, creator=user, comment=comment).exclude(
        status__in=Submission.NOT_COUNTED
    ).exists()


def _seed_submissions(phase: Phase, root: Path, users: dict[str, object], report: SeedReport,
                      log: Log) -> None:
    work = datasets.demo_root() / "predictions" / f"{phase.challenge.slug}-{phase.slug}"
    from arena.participation.services import join_challenge

    for demo in SUBMISSIONS:
        user = users[demo.username]
        join_challenge(user, phase.challenge)  # the reference-baseline account is not a demo login
        if _already_submitted(phase, user, demo.comment):
            continue
        try:
            folder = _prediction_folder(phase, root, demo.variant, work)
        except predictions.DemoDataError as exc:
            report.problems.append(f"{phase}: {demo.variant}: {exc}")
            log(f"  ! {phase}: skipped the {demo.variant} submission ({exc})")
            continue
        _submit_folder(phase, user, folder, demo.variant, demo.comment, work, report, log,
                       demo.method, demo.baseline)
    _seed_nnunet(phase, root, report, log, work)


def _seed_nnunet(phase: Phase, root: Path, report: SeedReport, log: Log, work: Path) -> None:
    """The nnU-Net baseline row of the phase, when its task has a trained model."""
    from arena.participation.services import join_challenge

    model = nnunet.model_for(phase.task)
    if model is None:
        return
    user = nnunet.baseline_account()
    join_challenge(user, phase.challenge)
    comment = nnunet.comment_for(model)
    if _already_submitted(phase, user, comment):
        return
    try:
        folder = nnunet.predict(model, root / "inputs", work / f"nnunet-{nnunet.model_digest(model)}")
    except predictions.DemoDataError as exc:
        report.problems.append(f"{phase}: nnunet: {exc}")
        log(f"  ! {phase}: skipped the nnU-Net submission ({exc})")
        return
    _submit_folder(phase, user, folder, "nnunet", comment, work, report, log, nnunet.METHOD, True)


def _submit_folder(phase: Phase, user, folder: Path, variant: str, comment: str, work: Path,
                   report: SeedReport, log: Log, method: str = "", baseline: bool = False) -> None:
    """Zip a prediction folder and submit it as ``user`` (scored inline by the eager tasks)."""
    from arena.submissions.models import Submission
    from arena.submissions.services import SubmissionRejected, create_prediction_submission

    try:
        archive = predictions.zip_folder(folder, work / f"{variant}.zip")
    except predictions.DemoDataError as exc:
        report.problems.append(f"{phase}: {variant}: {exc}")
        log(f"  ! {phase}: skipped the {variant} submission ({exc})")
        return
    with archive.open("rb") as handle:
        try:
            submission = create_prediction_submission(
                user, phase, File(handle, name=f"{variant}-predictions.zip"), comment=comment,
                method=method,
            )
        except SubmissionRejected as exc:
            report.problems.append(f"{phase}: {variant} rejected: {exc}")
            log(f"  ! {phase}: {variant} submission rejected: {exc}")
            return
    report.submissions_created += 1
    if baseline:
        from arena.submissions.baselines import mark_baseline

        mark_baseline(submission, True, reason=f"demo seed: {variant}")
    submission.refresh_from_db()
    if submission.status == Submission.Status.SUCCEEDED:
        report.submissions_ok += 1
    else:
        report.problems.append(f"{phase}: {variant} ended {submission.status}: {submission.error}")
        log(f"  ! {phase}: {variant} submission {submission.status}: {submission.error}")


def _configure(phase: Phase, root: Path, log: Log) -> None:
    """Point the phase at its demo dataset; when the references changed (e.g. regenerated with
    another case count), re-score the phase's submissions against the new set."""
    import evaluators
    from arena.challenges.services import configure_phase_dataset

    digest = evaluators.reference_digest(root / "references")
    if phase.has_dataset and phase.reference_digest == digest:
        return
    had_digest = bool(phase.reference_digest)
    configure_phase_dataset(phase, root)
    if had_digest and phase.submissions.exists():
        from arena.evaluation.services import reevaluate_phase

        count = reevaluate_phase(phase)
        log(f"  {phase}: reference set changed, {count} submission(s) re-evaluated")


def seed_demo(*, log: Log = print, submissions: bool = True, algorithms: bool = True) -> SeedReport:
    """Create or refresh all demo content. Safe to run again: existing challenges, phases,
    datasets and scored demo submissions are kept, missing ones are added. With ``algorithms``,
    each phase gets an algorithm phase beside it where a container engine is ready
    (``arena.demo.algorithm``); otherwise the log says why not."""
    started = time.monotonic()
    report = SeedReport()
    with transaction.atomic():
        users = ensure_accounts()
        users[demo_algorithm.REFERENCE_BASELINE_USER] = demo_algorithm.baseline_account()
    engine = demo_algorithm.engine_status() if algorithms else None
    if engine is not None and not engine.ready:
        log(demo_algorithm.absent_message(engine))
    with eager_celery():
        for spec in CHALLENGES:
            started_challenge = time.monotonic()
            challenge, roots = _load_bundle(spec, log)
            _ensure_members(challenge, users)
            report.challenges += 1
            for phase in challenge.phases.filter(slug__in=list(roots)):
                report.phases += 1
                if submissions:
                    _seed_submissions(phase, roots[phase.slug], users, report, log)
                log(f"  {challenge.slug}/{phase.slug}: task {phase.task}, "
                    f"{phase.cases.count()} cases")
                if engine is not None and engine.ready and phase.kind == Phase.Kind.PREDICTIONS:
                    demo_algorithm.seed_phase(challenge, phase, 100 + phase.order,
                                              roots[phase.slug], engine, report, log, _configure,
                                              submissions)
            log(f"  {challenge.slug}: ready ({time.monotonic() - started_challenge:.1f} s)")
    report.seconds = time.monotonic() - started
    return report
