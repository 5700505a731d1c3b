"""Errors raised for bad user input: one clear message naming file, expectation and finding."""


class EvaluationInputError(ValueError):
    """Bad input (missing folder, unreadable file, geometry or label mismatch, unknown task).

    The message is meant for the user as is: it names the file or field, what was expected and
    what was found. The CLI prints it and exits with status 2; the platform shows it as the
    submission's failure reason.
    """


class ScoringTimeoutError(EvaluationInputError):
    """Scoring ran over its time budget: ``scoring exceeded N s on case X`` (per case) or
    ``scoring exceeded N s in total, at case X`` (per submission). The case's computation was
    stopped (its process killed); the caller's process is unaffected."""
