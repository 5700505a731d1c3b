"""Algorithm phases of the demo: where a container engine answers and holds the reference
baseline image (``containers/build_images.sh`` builds ``localhost/arena/baseline-reference``),
each demo task gets an algorithm phase beside its prediction phase, and the reference baseline
runs there as a container through the real sandbox: its image archive (``docker save`` format,
exported once from the engine) is uploaded as the ``reference-baseline`` account through the same
service as a participant's, validated, run by the execution app's runner and scored (Celery tasks
eager, as for the seed's prediction submissions). Without an engine the seed says why the phases
are absent and which commands install one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File

from arena.challenges.models import Challenge, Phase
from arena.demo import datasets
from arena.demo.spec import REFERENCE_BASELINE_METHOD, REFERENCE_BASELINE_USER

Log = Callable[[str], None]

#: the image containers/build_images.sh builds from containers/baselines/reference
IMAGE = "localhost/arena/baseline-reference:latest"
#: what installs an engine and builds the images (from the repository root, as root)
INSTALL_COMMAND = "bash containers/setup_engine.sh && bash containers/build_images.sh"
#: the demo submission's comment (the seed's idempotency key)
COMMENT = "demo: reference baseline as an algorithm container"
#: limits of the demo algorithm phases (the baseline needs ~1 s and ~300 MB per small case)
TIME_LIMIT_S = 600
MEMORY_MB = 4096


@dataclass(frozen=True)
class EngineStatus:
    """Whether the demo can seed algorithm phases: ``ready``, else ``reason`` says why not."""

    ready: bool
    reason: str
    backend: Any = None


def engine_status() -> EngineStatus:
    """Ask the engine behind ``ARENA_ENGINE_URL`` whether it answers and holds :data:`IMAGE`."""
    from arena.execution.backends import BackendError, get_backend

    try:
        backend = get_backend()
        if not backend.image_exists(IMAGE):
            return EngineStatus(False, f"the container engine has no image {IMAGE} (not built yet)")
    except BackendError as exc:
        detail = str(exc).split(": ", 1)[-1][:160]
        return EngineStatus(False, f"no container engine answers at ARENA_ENGINE_URL ({detail})")
    return EngineStatus(True, f"{backend.engine} engine with {IMAGE}", backend)


def absent_message(status: EngineStatus) -> str:
    """The start-up line when algorithm phases are not seeded: why, and the install command."""
    return (
        f"Algorithm phases are absent: {status.reason}. To see the reference baseline run as a "
        f"container through the sandbox, install the engine and build the images as root with "
        f"`{INSTALL_COMMAND}`, then start again."
    )


def phase_slug(spec: Phase) -> str:
    """Slug of the algorithm phase next to the prediction phase ``spec``."""
    return f"{spec.slug}-algorithm"


def baseline_account():
    """The ``reference-baseline`` user that holds the reference baseline rows (created without a
    usable password: nobody logs in as it)."""
    user, created = get_user_model().objects.get_or_create(username=REFERENCE_BASELINE_USER)
    if created:
        user.set_unusable_password()
        user.save()
    return user


def ensure_phase(challenge: Challenge, spec: Phase, order: int) -> Phase:
    """The demo algorithm phase of ``spec`` (created when missing; kept as organizers left it)."""
    phase, _ = Phase.objects.get_or_create(
        challenge=challenge,
        slug=phase_slug(spec),
        defaults={
            "title": f"{spec.title} · algorithm containers",
            "description": "Submit a container image (docker save archive): it runs on the hidden "
                           "test images without network access, and its outputs are scored.",
            "task": spec.task, "kind": Phase.Kind.ALGORITHM, "order": order,
            "quota_count": 5, "quota_period_days": 1,
            "leaderboard_visibility": Phase.Visibility.PUBLIC, "show_per_case": spec.show_per_case,
            "max_upload_mb": 4096, "time_limit_s": TIME_LIMIT_S, "memory_mb": MEMORY_MB,
            "cpus": 2, "gpu": False, "hide_logs": False,
        },
    )
    if phase.task != spec.task or phase.kind != Phase.Kind.ALGORITHM:
        raise ValueError(f"phase {challenge.slug}/{phase.slug} exists with task {phase.task!r} "
                         f"({phase.kind}), expected {spec.task!r} (algorithm)")
    return phase


def image_archive(backend) -> Path:
    """The ``docker save`` archive of :data:`IMAGE` under the demo folder, exported from the
    engine when missing or made from another image id (written to a temporary name first)."""
    image_id = backend.client.images.get(IMAGE).id
    folder = datasets.demo_root() / "images"
    archive, id_file = folder / "baseline-reference.tar", folder / "baseline-reference.tar.id"
    if archive.is_file() and id_file.is_file() and id_file.read_text().strip() == image_id:
        return archive
    folder.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(archive.name + ".tmp")
    with tmp.open("wb") as out:
        for chunk in backend.client.api.get_image(IMAGE, chunk_size=1 << 20):
            out.write(chunk)
    tmp.replace(archive)
    id_file.write_text(image_id)
    return archive


def _previous(phase: Phase, user):
    """The demo baseline submission of ``phase`` that counts, after removing a failed one (the
    same image is accepted once per phase, so a failed run would block a new one)."""
    from arena import files
    from arena.submissions.models import Submission

    mine = Submission.objects.filter(phase=phase, creator=user, comment=COMMENT)
    for failed in mine.filter(status__in=Submission.NOT_COUNTED):
        if failed.file:
            files.delete(failed.file.name)
        failed.delete()
    return mine.first()


def seed_phase(challenge: Challenge, spec: Phase, order: int, root: Path,
               engine: EngineStatus, report, log: Log, configure: Callable, submit: bool) -> Phase:
    """Create the algorithm phase of ``spec`` on the dataset ``root`` (``configure(phase, root,
    log)`` imports it) and, when ``submit``, run the reference baseline container there once.
    Problems go to ``report.problems`` and the log; the seed goes on."""
    from arena.participation.services import join_challenge
    from arena.submissions.baselines import mark_baseline
    from arena.submissions.models import Submission
    from arena.submissions.services import SubmissionRejected, create_algorithm_submission

    started = time.monotonic()
    phase = ensure_phase(challenge, spec, order)
    report.phases += 1
    configure(phase, root, log)
    user = baseline_account()
    join_challenge(user, challenge)
    if not submit or _previous(phase, user) is not None:
        return phase
    try:
        archive = image_archive(engine.backend)
        with archive.open("rb") as handle:
            submission = create_algorithm_submission(
                user, phase, File(handle, name="baseline-reference.tar"), comment=COMMENT,
                method=REFERENCE_BASELINE_METHOD,
            )
    except (SubmissionRejected, OSError) as exc:
        report.problems.append(f"{phase}: reference baseline container: {exc}")
        log(f"  ! {phase}: the reference baseline container was not submitted ({exc})")
        return phase
    mark_baseline(submission, True, reason="demo seed: reference baseline container")
    report.submissions_created += 1
    submission.refresh_from_db()
    if submission.status == Submission.Status.SUCCEEDED:
        report.submissions_ok += 1
    else:
        report.problems.append(f"{phase}: reference baseline container ended {submission.status}: "
                               f"{submission.error}")
        log(f"  ! {phase}: reference baseline container {submission.status}: {submission.error}")
    log(f"  {challenge.slug}/{phase.slug}: algorithm phase, reference baseline container "
        f"{submission.status} ({time.monotonic() - started:.1f} s)")
    return phase

