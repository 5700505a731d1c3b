"""Turn a finished run into a failure reason code + user-visible message (or None = ran fine)."""

from __future__ import annotations

from arena.execution.backends.base import RunResult, tail_lines

STDERR_LINES = 5


def run_failure(
    result: RunResult, *, time_limit_s: int, memory_mb: int, log_limit_mb: float,
    output_limit_mb: int, hide_logs: bool,
) -> tuple[str, str] | None:
    """``(reason, message)`` for a failed run, None if the container exited 0 within limits.

    Order matters: our own kills (time, log, output limits) first, then 137 = out of memory
    (podman never sets OOMKilled), then any other non-zero exit with the last stderr lines."""
    if result.timed_out:
        return "time_limit", (
            f"time limit exceeded: the container ran longer than the phase's limit of "
            f"{time_limit_s} s and was stopped"
        )
    if result.log_limit_exceeded:
        return "log_limit", (
            f"log limit exceeded: the container wrote more than {log_limit_mb:g} MB to "
            "stdout/stderr and was stopped"
        )
    if result.output_limit_exceeded:
        return "output_limit", (
            f"output size limit exceeded: /output grew past {output_limit_mb} MB"
        )
    if result.oom_killed:
        return "out_of_memory", (
            f"out of memory: the container exceeded the phase's memory limit of {memory_mb} MB "
            "and was killed (exit code 137)"
        )
    if result.exit_code is None:
        return "internal", "the container did not report an exit code"
    if result.exit_code != 0:
        if hide_logs:
            detail = " (logs are hidden in this phase)"
        else:
            lines = tail_lines(result.stderr, STDERR_LINES)
            detail = ("; last stderr lines:\n" + "\n".join(lines)) if lines else "; stderr was empty"
        return "nonzero_exit", f"the container exited with code {result.exit_code}{detail}"
    return None
