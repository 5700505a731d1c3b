"""Prediction archives: the generic safety checks live in :mod:`arena.archives` (re-exported
here); this module maps the members of a prediction archive to the phase's cases.

Every refusal raises ``ArchiveError`` whose message names the offending member, what was
expected and what was found.
"""

from __future__ import annotations

from arena.archives import (
    ArchiveError,
    Limits,
    Member,
    detect_kind,
    extract_members,
    list_members,
)
from arena.challenges.datasets import IMAGE_SUFFIXES, split_case_name

__all__ = ["ArchiveError", "Limits", "Member", "common_prefix", "detect_kind", "extract_members",
           "list_members", "map_prediction_members"]


def common_prefix(members: list[Member], case_ids: set[str]) -> str:
    """A single top-level folder wrapping everything (e.g. ``preds/``), which is stripped; ""
    when there is none or when that folder is itself a case id."""
    files = [m.name for m in members if not m.is_dir]
    if not files:
        return ""
    firsts = {f.split("/", 1)[0] for f in files}
    if len(firsts) != 1 or any("/" not in f for f in files):
        return ""
    first = firsts.pop()
    return "" if first in case_ids else first + "/"


def map_prediction_members(
    members: list[Member], case_ids: list[str], *, folder_layout: bool
) -> tuple[str, dict[str, list[str]]]:
    """Map archive files to cases: ``(prefix, {case: [member names]})``.

    Accepted names (after stripping one wrapping folder): ``<case>.<nii.gz|nii|mha|nrrd>``,
    ``<case>.json`` and, when ``folder_layout`` (SegRap), ``<case>/<Structure>.<ext>``.
    Raises ArchiveError for unknown names, cases not in the reference set, duplicate cases and
    archives without any prediction."""
    known = set(case_ids)
    prefix = common_prefix(members, known)
    by_case: dict[str, list[str]] = {}
    image_for: dict[str, str] = {}
    wrong: list[str] = []
    for member in members:
        if member.is_dir:
            continue
        rel = member.name[len(prefix) :]
        parts = rel.split("/")
        if len(parts) == 1:
            split = split_case_name(parts[0])
            if split is None:
                wrong.append(rel)
                continue
            case, suffix = split
            if suffix in IMAGE_SUFFIXES:
                if case in image_for:
                    raise ArchiveError(
                        f"duplicate prediction for case '{case}': '{image_for[case]}' and "
                        f"'{rel}'; expected exactly one file per case"
                    )
                image_for[case] = rel
        elif len(parts) == 2 and folder_layout:
            case = parts[0]
            if split_case_name(parts[1]) is None:
                wrong.append(rel)
                continue
            marker = f"{case}/"
            if case in image_for and image_for[case] != marker:
                raise ArchiveError(
                    f"duplicate prediction for case '{case}': '{image_for[case]}' and the "
                    f"folder '{marker}'; expected either a label map or a folder of masks"
                )
            image_for[case] = marker
        else:
            wrong.append(rel)
            continue
        if case not in known:
            wrong.append(rel)
            continue
        by_case.setdefault(case, []).append(member.name)
    if wrong:
        shown = ", ".join(f"'{w}'" for w in sorted(wrong)[:5])
        more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        example = ", ".join(case_ids[:3]) or "(none configured)"
        layout = "<case>.nii.gz" + (" or <case>/<Structure>.nii.gz" if folder_layout else "")
        raise ArchiveError(
            f"unexpected file names in the archive: {shown}{more}; expected {layout} for the "
            f"phase's cases (e.g. {example})"
        )
    if not by_case:
        raise ArchiveError("the archive contains no prediction files")
    return prefix, by_case
