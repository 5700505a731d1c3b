"""Algorithm images and container jobs.

Job state machine: ``pending → provisioning → running → collecting → succeeded`` (outputs
handed over to scoring), or ``failed`` (``reason`` code + user-visible ``error``) /
``cancelled``. ``attempt`` grows by one each time the gpu task (re)starts the run, e.g. after a
worker was killed; containers are named ``arena-job<id>-a<attempt>`` and every step checks the
attempt, so a stale attempt can never write results.
"""

from __future__ import annotations

from django.db import models


class AlgorithmImage(models.Model):
    """A validated ``docker save`` archive of one algorithm submission."""

    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.CASCADE, related_name="algorithm_image"
    )
    phase = models.ForeignKey(
        "challenges.Phase", on_delete=models.CASCADE, related_name="algorithm_images"
    )
    image_id = models.CharField(max_length=71, help_text="sha256:<config digest> (image id)")
    archive_sha256 = models.CharField(max_length=64)
    compressed = models.BooleanField(default=False)
    size_bytes = models.BigIntegerField(help_text="Uncompressed size of the image layers.")
    architecture = models.CharField(max_length=32)
    user = models.CharField(max_length=64, blank=True)
    tags = models.JSONField(default=list, blank=True)
    entrypoint = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phase", "image_id"], name="image_once_per_phase")
        ]

    def __str__(self) -> str:
        return f"{self.image_id[:19]} (submission {self.submission_id})"


class Job(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROVISIONING = "provisioning", "Provisioning"
        RUNNING = "running", "Running"
        COLLECTING = "collecting", "Collecting outputs"
        SUCCEEDED = "succeeded", "Handed over to scoring"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Reason(models.TextChoices):
        NONE = "", "-"
        TIME_LIMIT = "time_limit", "Time limit"
        OUT_OF_MEMORY = "out_of_memory", "Out of memory"
        NONZERO_EXIT = "nonzero_exit", "Non-zero exit"
        LOG_LIMIT = "log_limit", "Log limit"
        OUTPUT_LIMIT = "output_limit", "Output size limit"
        MISSING_OUTPUT = "missing_output", "Missing output"
        INVALID_OUTPUT = "invalid_output", "Invalid output"
        INVALID_IMAGE = "invalid_image", "Invalid image"
        GPU_UNAVAILABLE = "gpu_unavailable", "GPU unavailable"
        ENGINE_UNAVAILABLE = "engine_unavailable", "Engine unavailable"
        WORKER_LOST = "worker_lost", "Worker lost"
        PROVISION_ERROR = "provision_error", "Test set unavailable"
        INTERNAL = "internal", "Internal error"

    ACTIVE = (Status.PROVISIONING, Status.RUNNING, Status.COLLECTING)
    TERMINAL = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="jobs"
    )
    submission_attempt = models.PositiveIntegerField()
    image = models.ForeignKey(AlgorithmImage, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempt = models.PositiveIntegerField(default=0, help_text="Run attempts started so far.")
    engine_retries = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True, default="")
    error = models.TextField(blank=True, help_text="User-visible failure reason.")
    worker = models.CharField(max_length=200, blank=True)
    engine = models.CharField(max_length=16, blank=True)
    gpu = models.BooleanField(default=False)
    exit_code = models.IntegerField(null=True, blank=True)
    runtime_s = models.FloatField(null=True, blank=True)
    peak_memory_bytes = models.BigIntegerField(null=True, blank=True)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    stdout_bytes = models.BigIntegerField(default=0)
    stderr_bytes = models.BigIntegerField(default=0)
    overhead_s = models.FloatField(
        null=True, blank=True, help_text="Provision + collect time, excluding the run itself."
    )
    predictions_path = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "submission_attempt"], name="one_job_per_submission_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status}, attempt {self.attempt})"

    @property
    def container_name(self) -> str:
        """Engine name of the current attempt's container."""
        return f"arena-job{self.pk}-a{self.attempt}"

    @property
    def labels(self) -> dict[str, str]:
        """Engine labels of the current attempt's container."""
        return {
            "arena.job": str(self.pk),
            "arena.attempt": str(self.attempt),
            "arena.submission": str(self.submission_id),
        }
