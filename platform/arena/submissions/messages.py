"""Texts shown to participants never name server paths: :func:`without_server_paths` reduces
every absolute path in a message (the work folder, storage, references, temporary folders) to
its last component, the file name the participant knows from their own upload. Paths inside an
algorithm container's ``/input/`` and ``/output/`` are the participant's own and are kept."""

from __future__ import annotations

import re

# An absolute POSIX path of two or more components, not part of a word or URL ("http://x/y"),
# except the algorithm container's own documented mounts /input/ and /output/.
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w:/.~-])/(?!(?:input|output)/)(?:[^\s/'\"`()<>,;:|]+/)+[^\s/'\"`()<>,;:|]*"
)


def _last_component(match: re.Match) -> str:
    text = match.group(0)
    trailing = "/" if text.endswith("/") else ""
    return text.rstrip("/").rsplit("/", 1)[-1] + trailing


def without_server_paths(text: str) -> str:
    """``text`` with each absolute path replaced by its last component (a trailing ``/`` is
    kept): ``/srv/arena/work/17/predictions/case_1.nii.gz: truncated`` becomes
    ``case_1.nii.gz: truncated``."""
    return _ABSOLUTE_PATH.sub(_last_component, text)
