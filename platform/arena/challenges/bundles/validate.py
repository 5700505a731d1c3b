"""Every check of a staged bundle before anything is created: the manifest (YAML syntax and
schema), task names, the folders it names, page files, reference files (format, readable,
label values the task allows), and test images (format, case ids and channels matching the
references, geometry equal to the reference's). :func:`check_bundle` returns the spec and
EVERY problem found; nothing stops at the first one."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import yaml

from arena.challenges.bundles.problems import MANIFEST, Problem
from arena.challenges.bundles.schema import BundleSpec, PhaseSpec, parse_manifest
from arena.challenges.datasets import IMAGE_SUFFIXES, SIDE_SUFFIXES, split_case_name

MAX_PAGE_BYTES = 256 * 1024
MAX_MANIFEST_BYTES = 256 * 1024
#: spacing agreement between a test image and its reference (relative)
SPACING_TOLERANCE = 1e-3


def _clean(message: str, root: Path) -> str:
    """An evaluators message without the local folder it was staged in."""
    for prefix in (f"{root.resolve()}/", f"{root}/", str(root.resolve()), str(root)):
        message = message.replace(prefix, "")
    return message


def _inside(root: Path, rel: str, field: str, problems: list[Problem], *, folder: bool) -> Path | None:
    """The local path of ``rel`` inside the bundle, or None after recording why not."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel:
        problems.append(Problem(MANIFEST, field, f"{rel!r}: expected a relative path inside "
                                "the bundle (no leading '/', no '..')"))
        return None
    path = root / pure
    ok = path.is_dir() if folder else path.is_file()
    if not ok:
        what = "folder" if folder else "file"
        problems.append(Problem(rel, field, f"no such {what} in the bundle"))
        return None
    return path


def read_manifest(root: Path) -> tuple[BundleSpec | None, list[Problem]]:
    """Load and check ``challenge.yaml`` at ``root``: YAML syntax (with the line), then the
    schema of :mod:`arena.challenges.bundles.schema`."""
    path = root / MANIFEST
    if not path.is_file():
        return None, [Problem(MANIFEST, "", "missing: a bundle needs challenge.yaml at its root")]
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        return None, [Problem(MANIFEST, "", f"larger than {MAX_MANIFEST_BYTES // 1024} KB")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(MANIFEST, "", "not UTF-8 text")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or "invalid YAML"
        return None, [Problem(MANIFEST, "", f"YAML syntax error{where}: {reason}")]
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return parse_manifest(data, present)


def _page_problems(root: Path, spec: BundleSpec) -> list[Problem]:
    problems: list[Problem] = []
    for page in spec.pages:
        field = f"pages.{page.slug}"
        path = _inside(root, page.file, field, problems, folder=False)
        if path is None:
            continue
        if path.stat().st_size > MAX_PAGE_BYTES:
            problems.append(Problem(page.file, field, f"larger than {MAX_PAGE_BYTES // 1024} KB"))
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(page.file, field, "not UTF-8 text (expected markdown)"))
    return problems


def _image_info(path: Path) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Size and spacing (SimpleITK order) from the header alone."""
    import SimpleITK as sitk

    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    reader.ReadImageInformation()
    return tuple(reader.GetSize()), tuple(reader.GetSpacing())


def _reference_image(ref: Path) -> Path | None:
    """The image whose grid a case's test images must share (first file of a case folder)."""
    if ref.is_file():
        return ref
    images = sorted(p for p in ref.rglob("*") if p.is_file() and split_case_name(p.name)
                    and not p.name.lower().endswith(SIDE_SUFFIXES))
    return images[0] if images else None


def _format_problems(refs: Path, rel: str, field: str, folders: bool, task_name: str) -> list[Problem]:
    """Entries of a reference folder that are neither images nor side files (nor, for tasks
    with per-case folders, folders)."""
    problems: list[Problem] = []
    for entry in sorted(refs.iterdir()):
        if entry.name.startswith("."):
            continue
        name = f"{rel}/{entry.name}"
        if entry.is_dir():
            if not folders:
                problems.append(Problem(name, field, f"a folder; task {task_name} expects one "
                                        f"file per case (<case>.nii.gz)"))
        elif split_case_name(entry.name) is None:
            problems.append(Problem(name, field, "unknown file format; expected "
                                    f"{', '.join(IMAGE_SUFFIXES)} (or .json side files)"))
    return problems


def _check_references(task, refs: Path, rel: str, field: str, root: Path) -> tuple[
        dict[str, Path], list[Problem]]:
    """Reference files: formats, readable, label values allowed by the task."""
    from evaluators import EvaluationInputError

    problems = _format_problems(refs, rel, field, task.case_folders, task.name)
    try:
        cases = task.reference_cases(refs)
    except EvaluationInputError as exc:
        problems.append(Problem(rel, field, _clean(str(exc), root)))
        return {}, problems
    for case, path in cases.items():
        case_rel = f"{rel}/{path.name}"
        try:
            task.validate_case(case, path, path)
        except EvaluationInputError as exc:
            retry = _reference_image(path) if path.is_dir() else None
            try:
                if retry is None:
                    raise exc
                task.validate_case(case, retry, path)
            except EvaluationInputError as again:
                problems.append(Problem(case_rel, field, _clean(str(again), root)))
        except Exception as exc:  # noqa: BLE001 - an unreadable file must name itself
            problems.append(Problem(case_rel, field, f"cannot be read as a reference: "
                                    f"{_clean(str(exc), root)[:200]}"))
    return cases, problems


def _check_inputs(task, inputs: Path, rel: str, field: str, cases: dict[str, Path],
                  root: Path) -> list[Problem]:
    """Test images: formats, ``<case>_<channel>`` names of reference cases, every channel of
    every case present, grid (size, spacing) equal to the case's reference."""
    from evaluators.errors import EvaluationInputError
    from evaluators.headers import check_before_decoding

    problems: list[Problem] = []
    channels = sorted(task.input_channels) or ["0000"]
    found: dict[str, set[str]] = {case: set() for case in cases}
    grids: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(inputs):
        dirnames.sort()
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue
            path = Path(dirpath) / filename
            name = path.relative_to(root).as_posix()
            split = split_case_name(filename)
            if split is None or split[1] in SIDE_SUFFIXES:
                problems.append(Problem(name, field, "unknown file format; expected "
                                        f"{', '.join(IMAGE_SUFFIXES)}"))
                continue
            stem = split[0]
            case, _, channel = stem.rpartition("_")
            if not case or channel not in channels:
                problems.append(Problem(name, field, f"expected <case>_<channel>{split[1]} with "
                                        f"channel {' or '.join(channels)}"))
                continue
            if case not in cases:
                problems.append(Problem(name, field, f"case {case!r} has no reference file; "
                                        "expected the same case ids as the references"))
                continue
            found[case].add(channel)
            try:
                check_before_decoding(path)
                size, spacing = _image_info(path)
            except (EvaluationInputError, RuntimeError) as exc:
                problems.append(Problem(name, field, _clean(str(exc), root)[:300]))
                continue
            ref_image = grids.get(case)
            if ref_image is None and (image := _reference_image(cases[case])) is not None:
                try:
                    ref_image = grids[case] = _image_info(image)
                except RuntimeError:
                    ref_image = None
            if ref_image is not None:
                ref_size, ref_spacing = ref_image
                if size != ref_size:
                    problems.append(Problem(name, field, f"size {size} differs from the "
                                            f"reference's {ref_size} (x, y, z)"))
                elif any(abs(a - b) > SPACING_TOLERANCE * max(abs(b), 1e-9)
                         for a, b in zip(spacing, ref_spacing, strict=False)):
                    problems.append(Problem(name, field, f"spacing {tuple(round(s, 4) for s in spacing)}"
                                            f" differs from the reference's "
                                            f"{tuple(round(s, 4) for s in ref_spacing)}"))
    for case, seen in sorted(found.items()):
        missing = [c for c in channels if c not in seen]
        if missing:
            problems.append(Problem(rel, field, f"case {case!r} has no test image for channel "
                                    f"{', '.join(missing)} (expected {case}_{missing[0]}.nii.gz)"))
    return problems


def _phase_problems(root: Path, phase: PhaseSpec, index: int) -> list[Problem]:
    from evaluators import EvaluationInputError, get_task

    problems: list[Problem] = []
    where = f"phases[{index}]"
    try:
        task = get_task(phase.task)
    except EvaluationInputError:
        from evaluators.tasks import task_names

        problems.append(Problem(MANIFEST, f"{where}.task", f"unknown task {phase.task!r}; "
                                f"expected one of {', '.join(task_names())} "
                                "(python -m evaluators tasks)"))
        task = None
    refs = _inside(root, phase.references, f"{where}.references", problems, folder=True)
    inputs = (_inside(root, phase.inputs, f"{where}.inputs", problems, folder=True)
              if phase.inputs else None)
    if refs is None:
        return problems
    rel = PurePosixPath(phase.references).as_posix().rstrip("/")
    if task is None:  # the file formats can still be checked
        return problems + _format_problems(refs, rel, f"{where}.references", True, phase.task)
    in_rel = PurePosixPath(phase.inputs).as_posix().rstrip("/") if inputs is not None else ""
    problems += _data_problems(task, root, (refs, rel, f"{where}.references"),
                               (inputs, in_rel, f"{where}.inputs") if inputs is not None else None)
    phase.task = task.name
    return problems


def _data_problems(task, root: Path, references: tuple[Path, str, str],
                   inputs: tuple[Path, str, str] | None) -> list[Problem]:
    """Reference and test-image problems; each folder given as (path, relative name, field)."""
    cases, problems = _check_references(task, *references, root)
    if inputs is not None and cases:
        problems += _check_inputs(task, *inputs, cases, root)
    return problems


def check_dataset(task_name: str, root: Path) -> list[Problem]:
    """Every problem of a dataset folder ``root`` holding ``references/`` and ``inputs/`` for
    the evaluators task ``task_name``: the same reference and test-image checks a bundle's
    phase gets (formats, readable, label values the task allows, ``<case>_<channel>`` names of
    reference cases, every channel present, grid equal to the reference's). ``file`` is relative
    to ``root``; ``field`` is ``references`` or ``inputs``. Empty = importable."""
    from evaluators import EvaluationInputError, get_task

    try:
        task = get_task(task_name)
    except EvaluationInputError:
        return [Problem("", "task", f"the phase's task {task_name!r} is not an evaluators task")]
    refs, inputs = root / "references", root / "inputs"
    if not refs.is_dir():
        return [Problem("references", "references", "no such folder; expected one reference "
                        "per case in 'references'")]
    return _data_problems(task, root, (refs, "references", "references"),
                          (inputs, "inputs", "inputs") if inputs.is_dir() else None)


def check_bundle(root: Path) -> tuple[BundleSpec | None, list[Problem]]:
    """The spec of the staged bundle at ``root`` and every problem found (empty = loadable).
    Task names are canonicalised in the returned spec (``kipa22-corrected`` → the registry's
    name)."""
    spec, problems = read_manifest(root)
    if spec is None:
        return None, problems
    problems = list(problems) + _page_problems(root, spec)
    for index, phase in enumerate(spec.phases):
        problems += _phase_problems(root, phase, index)
    return (spec if not problems else None), problems
