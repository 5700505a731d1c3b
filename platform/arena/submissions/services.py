"""Submission services: the upload path the API and the web form share.

``create_prediction_submission`` streams the upload into a temporary file (size-limited,
hashed on the way), runs the synchronous checks (login, registration, phase kind/open, quota,
archive type and safety, file names vs. the reference cases) and only then moves the file into
storage and creates the row. Any refusal raises ``SubmissionRejected``; nothing is stored and no
quota is consumed. Content validation (geometry, labels) is the asynchronous validation task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from arena.challenges.models import Phase
from arena.challenges.permissions import can_submit, is_organizer
from arena.challenges.services import phase_case_ids
from arena.participation.models import Membership
from arena.participation.services import team_for
from arena.submissions import archives
from arena.submissions.models import METHOD_MAX_LENGTH, Submission
from arena.submissions.state import cancel, record_created

_CHUNK = 1024 * 1024


class SubmissionRejected(Exception):
    """An upload that is refused before anything is stored. ``str(exc)`` / ``.message`` is the
    user-facing reason (server paths reduced to file names); ``.field`` names the form/API field
    at fault (or None)."""

    def __init__(self, message: str, field: str | None = None):
        from arena.submissions.messages import without_server_paths

        message = without_server_paths(message)
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class QuotaStatus:
    used: int
    limit: int  # 0 = unlimited
    period_days: int
    remaining: int | None  # None = unlimited


def archive_limits() -> archives.Limits:
    """Archive limits from settings (ARENA_MAX_UNCOMPRESSED_MB, ARENA_MAX_ARCHIVE_MEMBERS,
    ARENA_MAX_COMPRESSION_RATIO, ARENA_RATIO_FLOOR_MB)."""
    return archives.Limits(
        max_total_bytes=settings.ARENA_MAX_UNCOMPRESSED_MB * 2**20,
        max_members=settings.ARENA_MAX_ARCHIVE_MEMBERS,
        max_ratio=settings.ARENA_MAX_COMPRESSION_RATIO,
        ratio_floor_bytes=int(getattr(settings, "ARENA_RATIO_FLOOR_MB", 16) * 2**20),
    )


def _quota_queryset(user, phase: Phase) -> QuerySet[Submission]:
    since = timezone.now() - dt.timedelta(days=max(phase.quota_period_days, 1))
    team = team_for(user, phase.challenge)
    owner = Q(team=team) if team is not None else Q(creator=user, team__isnull=True)
    return Submission.objects.filter(owner, phase=phase, created__gte=since).exclude(
        status__in=Submission.NOT_COUNTED
    )


def quota_status(user, phase: Phase) -> QuotaStatus:
    """Submissions used in the current period by the user's team (or the user alone);
    failed and cancelled submissions are not counted."""
    used = _quota_queryset(user, phase).count() if user.is_authenticated else 0
    limit = phase.quota_count
    remaining = None if limit == 0 else max(limit - used, 0)
    return QuotaStatus(used, limit, phase.quota_period_days, remaining)


def user_submissions(user, phase: Phase | None = None) -> QuerySet[Submission]:
    """The user's own submissions and their teams' submissions made since they joined,
    newest first (a member who left sees only their own)."""
    if not user.is_authenticated:
        return Submission.objects.none()
    joined_before = Membership.objects.filter(
        team=OuterRef("team"), user=user, joined__lte=OuterRef("created")
    )
    qs = Submission.objects.filter(Q(creator=user) | Q(Exists(joined_before)))
    if phase is not None:
        qs = qs.filter(phase=phase)
    return qs.select_related("phase", "phase__challenge", "creator", "team")


def _clean_filename(name: str) -> str:
    base = os.path.basename(name or "upload")
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return base[:120]


def _spool(uploaded_file, limit_bytes: int, tmp_dir: Path) -> tuple[Path, str, int]:
    """Copy the upload to a temporary file in chunks, hashing it and enforcing the limit."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", dir=tmp_dir)
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            if hasattr(uploaded_file, "chunks"):
                chunks = uploaded_file.chunks(_CHUNK)
            else:
                chunks = iter(lambda: uploaded_file.read(_CHUNK), b"")
            for chunk in chunks:
                size += len(chunk)
                if size > limit_bytes:
                    raise SubmissionRejected(
                        f"the file is larger than the phase's limit of "
                        f"{limit_bytes // 2**20} MB",
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(name).unlink(missing_ok=True)
        raise SubmissionRejected("the uploaded file is empty", field="file")
    return Path(name), digest.hexdigest(), size


def upload_limit_bytes(phase: Phase) -> int:
    """The upload size limit of ``phase`` in bytes (its ``max_upload_mb``, capped globally)."""
    return min(phase.max_upload_mb, settings.ARENA_MAX_UPLOAD_MB) * 2**20


def check_declared_size(phase: Phase, content_length: str | int | None) -> None:
    """Refuse a request whose declared body size (CONTENT_LENGTH) is already above the phase's
    limit, before Django spools the upload. Raises SubmissionRejected (field "file")."""
    try:
        declared = int(content_length or 0)
    except (TypeError, ValueError):
        return
    limit = upload_limit_bytes(phase)
    if declared > limit + 2**20:  # 1 MB slack for the multipart envelope and form fields
        raise SubmissionRejected(
            f"the upload is {declared // 2**20} MB, above the phase's limit of {limit // 2**20} MB",
            field="file",
        )


def _check_allowed(user, phase: Phase, kind: str) -> None:
    allowed, reason = can_submit(user, phase)
    if not allowed:
        raise SubmissionRejected(reason)
    if phase.kind != kind:
        expected = "a prediction archive" if phase.kind == Phase.Kind.PREDICTIONS else (
            "an algorithm container image"
        )
        raise SubmissionRejected(f"the phase '{phase.slug}' expects {expected}", field="file")


def _check_quota(user, phase: Phase) -> None:
    status = quota_status(user, phase)
    if status.remaining == 0 and not is_organizer(user, phase.challenge):
        raise SubmissionRejected(
            f"submission quota reached: {status.used} of {status.limit} submissions in the last "
            f"{status.period_days} day(s) (failed submissions don't count)"
        )


def precheck_upload(user, phase: Phase, content_length: str | int | None) -> None:
    """Everything that can refuse an upload without reading its body — declared size, login,
    registration, phase open, quota — so the API answers before Django parses or spools the
    multipart body. Raises SubmissionRejected (the same messages as the full checks)."""
    check_declared_size(phase, content_length)
    allowed, reason = can_submit(user, phase)
    if not allowed:
        raise SubmissionRejected(reason)
    _check_quota(user, phase)


def inspect_prediction_archive(path: Path, phase: Phase) -> tuple[str, str, dict[str, list[str]]]:
    """Archive-level checks of a prediction upload: ``(kind, prefix, {case: members})``.
    Raises SubmissionRejected (field "file") with the archive module's message."""
    kind = archives.detect_kind(path)
    if kind is None:
        raise SubmissionRejected(
            "the file is not an archive; expected a .zip or .tar.gz of prediction files",
            field="file",
        )
    case_ids = phase_case_ids(phase)
    if not case_ids:
        raise SubmissionRejected(
            f"the phase '{phase.slug}' has no reference set configured yet; contact the organizers"
        )
    try:
        members = archives.list_members(path, kind, archive_limits())
        prefix, by_case = archives.map_prediction_members(
            members, case_ids, folder_layout=phase.task.startswith("segrap")
        )
    except archives.ArchiveError as exc:
        raise SubmissionRejected(str(exc), field="file")
    return kind, prefix, by_case


def _check_method(method: str | None) -> None:
    length = len(" ".join(str(method or "").split()))
    if length > METHOD_MAX_LENGTH:
        raise SubmissionRejected(
            f"the method name has {length} characters; at most {METHOD_MAX_LENGTH} are allowed",
            field="method",
        )


def _store(tmp: Path, phase: Phase, filename: str) -> str:
    """Move the checked upload into the "default" storage; returns its storage name."""
    from arena import files

    rel = f"submissions/{phase.pk}/{uuid.uuid4().hex}/{filename}"
    return files.upload_file(tmp, rel, move=True)


def _create(user, phase: Phase, uploaded_file, kind: str, comment: str, inspect,
            method: str = "") -> Submission:
    from arena import files
    from arena.submissions.baselines import clean_method

    if uploaded_file is None:
        raise SubmissionRejected("no file was uploaded (multipart field 'file')", field="file")
    _check_allowed(user, phase, kind)
    _check_method(method)
    _check_quota(user, phase)
    limit = upload_limit_bytes(phase)
    tmp, sha256, size = _spool(uploaded_file, limit, Path(settings.ARENA_WORK_ROOT) / "uploads")
    stored: str | None = None
    try:
        inspect(tmp, phase)
        filename = _clean_filename(getattr(uploaded_file, "name", "upload"))
        stored = _store(tmp, phase, filename)  # deleted again below if the row is not made
        with transaction.atomic():
            # Serialise submissions of one phase so two parallel uploads can't both pass quota
            # (held for a few queries only: the file is already stored).
            Phase.objects.select_for_update().filter(pk=phase.pk).first()
            _check_quota(user, phase)
            team = team_for(user, phase.challenge)
            submission = Submission.objects.create(
                phase=phase,
                creator=user,
                team=team,
                kind=kind,
                method=clean_method(method, user, phase, team),
                file=stored,
                original_name=getattr(uploaded_file, "name", "")[:255],
                sha256=sha256,
                size=size,
                comment=(comment or "")[:500],
            )
            record_created(submission, by=user)
            from arena.submissions.liveness import dispatch
            from arena.submissions.tasks import validate_submission

            # After commit; a broker that is down leaves the row to the sweep (never a 500).
            transaction.on_commit(
                lambda: dispatch(validate_submission, submission.pk, submission.attempt)
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        if stored is not None:
            files.delete(stored)
            files.delete_folder(stored.rsplit("/", 1)[0])
        raise
    return submission


def create_prediction_submission(user, phase: Phase, uploaded_file, *, comment: str = "",
                                 method: str = "") -> Submission:
    """Accept a prediction archive (zip / tar.gz) for ``phase`` or raise SubmissionRejected.
    ``method``: the entry's method name on boards (empty: see ``baselines.clean_method``).

    On success the submission is ``pending`` and its validation task is queued on commit."""
    return _create(
        user, phase, uploaded_file, Phase.Kind.PREDICTIONS, comment, inspect_prediction_archive,
        method,
    )


def _inspect_image_archive(path: Path, phase: Phase) -> None:
    if archives.detect_kind(path) is None:
        raise SubmissionRejected(
            "the file is not a container image archive; expected the .tar or .tar.gz written "
            "by 'docker save'",
            field="file",
        )


def create_algorithm_submission(user, phase: Phase, uploaded_file, *, comment: str = "",
                                method: str = "") -> Submission:
    """Accept a container image archive (``docker save`` tar / tar.gz) for an algorithm phase
    (``method`` as for predictions). Image validation is arena.execution's, started by the
    validation task."""
    return _create(
        user, phase, uploaded_file, Phase.Kind.ALGORITHM, comment, _inspect_image_archive, method
    )


ACTIVE = (
    Submission.Status.PENDING,
    Submission.Status.VALIDATING,
    Submission.Status.QUEUED,
    Submission.Status.RUNNING,
    Submission.Status.EVALUATING,
)


def queue_position(submission: Submission) -> int | None:
    """1-based position among unfinished submissions of the same kind (all phases), oldest
    first; None when the submission is finished. Honest, not an ETA: workers take jobs in
    broker order, which is creation order within a queue."""
    if submission.status not in ACTIVE:
        return None
    earlier = Q(created__lt=submission.created) | Q(
        created=submission.created, pk__lt=submission.pk
    )
    ahead = Submission.objects.filter(earlier, kind=submission.kind, status__in=ACTIVE).count()
    return ahead + 1


def cancel_submission(submission: Submission, by=None) -> Submission:
    """Cancel a submission that has not finished; terminal ones are returned unchanged."""
    return cancel(submission.pk, by=by)


def hand_over_predictions(
    submission_id: int,
    predictions_dir: str | Path,
    *,
    attempt: int | None = None,
    reason: str = "predictions ready; waiting for scoring",
) -> bool:
    """Record the attempt's predictions folder, move it to ``queued`` (from validating, queued or
    running) and, on commit, send :data:`arena.submissions.signals.predictions_ready` (the
    evaluation app schedules scoring). False, and nothing changed, for other states or a stale
    ``attempt`` (None: the current one)."""
    from arena.submissions.signals import predictions_ready
    from arena.submissions.state import transition

    S = Submission.Status
    with transaction.atomic():
        sub = transition(
            submission_id,
            attempt,
            (S.VALIDATING, S.QUEUED, S.RUNNING),
            S.QUEUED,
            reason=reason,
            predictions_path=str(predictions_dir),
        )
        if sub is None:
            return False
        current = sub.attempt
        transaction.on_commit(
            lambda: predictions_ready.send(
                sender=Submission, submission_id=submission_id, attempt=current
            )
        )
    return True


def status_history(submission: Submission, *, show_workers: bool) -> list[dict]:
    """The submission's recorded status changes, oldest first, as
    ``{"at", "attempt", "source", "target", "by", "reason"}`` (``source`` "" for the upload).
    ``by`` is the acting user's name, else the worker hostname when ``show_workers`` (organizers),
    else "worker"."""
    rows = []
    for change in submission.status_changes.select_related("user").order_by("at", "id"):
        if change.user_id:
            by = change.user.get_username()
        else:
            by = change.worker if show_workers and change.worker else "worker"
        rows.append(
            {
                "at": change.at,
                "attempt": change.attempt,
                "source": change.source,
                "target": change.target,
                "by": by,
                "reason": change.reason,
            }
        )
    return rows
