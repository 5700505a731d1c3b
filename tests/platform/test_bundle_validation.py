"""Bundle checks: every problem kind is reported with the file and the field it concerns,
all problems of a bundle at once, and unsafe archives are refused before extraction."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from arena.challenges.bundles import BundleError
from arena.challenges.bundles.source import stage
from arena.challenges.bundles.validate import check_bundle
from tests.support.bundles import MANIFEST, make_bundle, phantom_dataset, zip_bundle

REFS = "data/validation/references"
INPUTS = "data/validation/inputs"


@pytest.fixture(scope="module")
def phantoms(tmp_path_factory) -> Path:
    return phantom_dataset(tmp_path_factory.mktemp("phantoms") / "kits21")


@pytest.fixture
def bundle(tmp_path, phantoms) -> Path:
    return make_bundle(tmp_path / "bundle", phantoms)


def _problems(root: Path) -> list:
    spec, problems = check_bundle(root)
    assert spec is None, "a bundle with problems must not give a loadable spec"
    return problems


def _one(problems, file: str, field: str, *words: str):
    """The problem naming ``file`` and ``field`` whose message holds every word."""
    for p in problems:
        if p.file == file and p.field == field and all(w in p.message for w in words):
            return p
    raise AssertionError(f"no problem ({file!r}, {field!r}, {words}) among {problems}")


def _manifest(root: Path, extra_phase: str = "", top: str = "", **replace: str) -> None:
    text = MANIFEST.format(slug="my-kits", title="My KiTS")
    for old, new in replace.items():
        text = text.replace(old, new)
    (root / "challenge.yaml").write_text(top + text + extra_phase)


def _write(array: np.ndarray, path: Path, spacing=(1.0, 1.0, 1.0)) -> None:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))


def test_a_good_bundle_has_no_problem(bundle):
    spec, problems = check_bundle(bundle)
    assert problems == []
    assert spec.slug == "my-kits" and [p.slug for p in spec.phases] == ["validation"]
    phase = spec.phases[0]
    # the defaults the README documents
    assert (phase.kind, phase.opens, phase.closes, phase.daily_limit, phase.leaderboard) == (
        "predictions", None, None, 5, "public")
    assert (phase.show_per_case, phase.hide_logs, phase.gpu, phase.time_limit_s,
            phase.memory_mb) == (False, True, False, 3600, 8192)
    assert [p.slug for p in spec.pages] == ["overview", "rules", "data", "timeline"]


def test_yaml_syntax_error_names_the_line(bundle):
    (bundle / "challenge.yaml").write_text("slug: my-kits\ntitle: [unclosed\nphases: []\n")
    problem = _one(_problems(bundle), "challenge.yaml", "", "YAML syntax error", "line")
    assert "/tmp" not in problem.message


def test_missing_manifest(bundle):
    (bundle / "challenge.yaml").unlink()
    _one(_problems(bundle), "challenge.yaml", "", "missing")


def test_schema_problems_each_name_their_field(bundle):
    text = (
        "slug: My_Kits\nlogo: x.png\nphases:\n"
        "  - slug: a\n    task: kits21\n    references: data/validation/references\n"
        "    kind: container\n    daily_limit: five\n    leaderboard: everyone\n"
        "    opens: 2026-05-01T00:00:00Z\n    closes: 2026-04-01T00:00:00Z\n    gpu: maybe\n"
        "  - slug: a\n    task: kits21\n    references: data/validation/references\n"
        "    kind: algorithm\n"
        "  - title: no slug\n"
    )
    (bundle / "challenge.yaml").write_text(text)
    problems = _problems(bundle)
    _one(problems, "challenge.yaml", "slug", "expected a slug")
    _one(problems, "challenge.yaml", "title", "required")
    _one(problems, "challenge.yaml", "logo", "unknown field")
    _one(problems, "challenge.yaml", "phases[0].kind", "predictions, algorithm", "container")
    _one(problems, "challenge.yaml", "phases[0].daily_limit", "whole number")
    _one(problems, "challenge.yaml", "phases[0].leaderboard", "public")
    _one(problems, "challenge.yaml", "phases[0].closes", "after opens")
    _one(problems, "challenge.yaml", "phases[0].gpu", "true or false")
    _one(problems, "challenge.yaml", "phases[1].inputs", "required for algorithm")
    _one(problems, "challenge.yaml", "phases", "'a' is used twice")
    _one(problems, "challenge.yaml", "phases[2].slug", "required")
    _one(problems, "challenge.yaml", "phases[2].task", "required")


def test_reserved_slug(bundle):
    _manifest(bundle, **{"slug: my-kits": "slug: new"})
    _one(_problems(bundle), "challenge.yaml", "slug", "reserved")


def test_unknown_task_lists_the_known_ones(bundle):
    _manifest(bundle, **{"task: kits21": "task: kits99"})
    problem = _one(_problems(bundle), "challenge.yaml", "phases[0].task", "unknown task 'kits99'")
    assert "kits21" in problem.message and "amos22" in problem.message


def test_folders_outside_or_missing(bundle):
    _manifest(bundle, **{"inputs: data/validation/inputs": "inputs: ../../etc",
                         "references: data/validation/references": "references: data/nope"})
    problems = _problems(bundle)
    _one(problems, "challenge.yaml", "phases[0].inputs", "relative path inside the bundle")
    _one(problems, "data/nope", "phases[0].references", "no such folder")


def test_case_ids_must_match_between_references_and_inputs(bundle):
    inputs = bundle / INPUTS
    first = sorted(inputs.iterdir())[0]
    shutil.copy(first, inputs / "stranger_0000.nii.gz")
    last = sorted(p for p in inputs.iterdir() if not p.name.startswith("stranger"))[-1]
    missing_case = last.name[: -len("_0000.nii.gz")]
    last.unlink()
    problems = _problems(bundle)
    _one(problems, f"{INPUTS}/stranger_0000.nii.gz", "phases[0].inputs", "no reference file")
    _one(problems, INPUTS, "phases[0].inputs", missing_case, "no test image for channel 0000")


def test_geometry_of_inputs_must_match_the_references(bundle):
    inputs = bundle / INPUTS
    target = sorted(inputs.iterdir())[0]
    _write(np.zeros((4, 5, 6), dtype=np.int16), target)
    _one(_problems(bundle), f"{INPUTS}/{target.name}", "phases[0].inputs", "differs from the reference")


def test_spacing_of_inputs_must_match_the_references(bundle):
    inputs = bundle / INPUTS
    target = sorted(inputs.iterdir())[0]
    ref = sitk.ReadImage(str(bundle / REFS / target.name.replace("_0000.nii.gz", ".nii.gz")))
    image = sitk.ReadImage(str(target))
    image.SetSpacing(tuple(s * 2 for s in ref.GetSpacing()))
    sitk.WriteImage(image, str(target))
    _one(_problems(bundle), f"{INPUTS}/{target.name}", "phases[0].inputs", "spacing")


def test_label_values_must_be_allowed_by_the_task(bundle):
    ref = sorted((bundle / REFS).iterdir())[0]
    image = sitk.ReadImage(str(ref))
    array = sitk.GetArrayFromImage(image)
    array[0, 0, 0] = 9  # kits21 knows 0-3
    out = sitk.GetImageFromArray(array)
    out.CopyInformation(image)
    sitk.WriteImage(out, str(ref))
    problem = _one(_problems(bundle), f"{REFS}/{ref.name}", "phases[0].references", "9")
    assert str(bundle) not in problem.message


def test_file_formats(bundle):
    (bundle / REFS / "notes.txt").write_text("hello")
    (bundle / INPUTS / "scan.png").write_bytes(b"\x89PNG")
    problems = _problems(bundle)
    _one(problems, f"{REFS}/notes.txt", "phases[0].references", "unknown file format")
    _one(problems, f"{INPUTS}/scan.png", "phases[0].inputs", "unknown file format")


def test_unreadable_reference(bundle):
    ref = sorted((bundle / REFS).iterdir())[0]
    ref.write_bytes(b"not an image at all")
    _one(_problems(bundle), f"{REFS}/{ref.name}", "phases[0].references")


def test_pages_missing_or_not_text(bundle):
    (bundle / "pages" / "rules.md").write_bytes(b"\xff\xfe\x00bad")
    _manifest(bundle, top="pages:\n  overview: pages/overview.md\n  rules: pages/rules.md\n"
                          "  faq: pages/faq.md\n")
    problems = _problems(bundle)
    _one(problems, "pages/rules.md", "pages.rules", "UTF-8")
    _one(problems, "pages/faq.md", "pages.faq", "no such file")


def test_every_problem_is_listed_at_once(bundle):
    (bundle / REFS / "notes.txt").write_text("hello")
    _manifest(bundle, **{"title: My KiTS": "title: 42"},
              extra_phase="  - slug: test\n    task: nope\n    references: data/missing\n")
    problems = _problems(bundle)
    _one(problems, "challenge.yaml", "title", "expected text")
    _one(problems, f"{REFS}/notes.txt", "phases[0].references", "unknown file format")
    _one(problems, "challenge.yaml", "phases[1].task", "unknown task")
    _one(problems, "data/missing", "phases[1].references", "no such folder")


# ------------------------------------------------------------------ archives (stage)


def _zip_with(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _refused(source, *words: str):
    with pytest.raises(BundleError) as caught:
        stage(source)
    problem = caught.value.problems[0]
    assert problem.field == "bundle" and all(w in problem.message for w in words), problem
    return problem


@pytest.mark.django_db
def test_zip_traversal_absolute_and_links_are_refused(tmp_path, settings):
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    _refused(_zip_with(tmp_path / "a.zip", [("../evil.txt", b"x")]), "outside the archive")
    _refused(_zip_with(tmp_path / "b.zip", [("/etc/passwd", b"x")]), "absolute path")
    link = zipfile.ZipInfo("challenge.yaml")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(_zip_with(tmp_path / "c.zip", [(link, b"/etc/passwd")]), "symbolic link")
    not_zip = tmp_path / "d.zip"
    not_zip.write_bytes(b"hello, not an archive")
    _refused(not_zip, "not a zip")
    assert not any((tmp_path / "work" / "bundles").iterdir()), "scratch left behind"


@pytest.mark.django_db
def test_zip_bombs_and_entry_counts_are_refused(tmp_path, settings):
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    settings.ARENA_BUNDLE_MAX_ENTRIES = 3
    _refused(_zip_with(tmp_path / "many.zip", [(f"f{i}.txt", b"x") for i in range(5)]),
             "more than 3 members")
    settings.ARENA_BUNDLE_MAX_ENTRIES = 100
    settings.ARENA_BUNDLE_MAX_MB = 1
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * (3 * 2**20))
    _refused(bomb, "more than 1 MB")


@pytest.mark.django_db
def test_folder_with_a_symlink_is_refused(tmp_path, settings, bundle):
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    (bundle / "pages" / "secret.md").symlink_to("/etc/hostname")
    with pytest.raises(BundleError) as caught:
        stage(bundle)
    assert caught.value.problems[0].file == "pages/secret.md"
    assert "symbolic link" in caught.value.problems[0].message


@pytest.mark.django_db
def test_zip_with_one_wrapping_folder_is_accepted(tmp_path, settings, bundle):
    settings.ARENA_WORK_ROOT = tmp_path / "work"
    outer = tmp_path / "outer"
    shutil.copytree(bundle, outer / "my-kits")
    staged = stage(zip_bundle(outer, tmp_path / "wrapped.zip"))
    try:
        assert (staged.root / "challenge.yaml").is_file()
        assert check_bundle(staged.root)[1] == []
    finally:
        staged.cleanup()


@pytest.mark.django_db
def test_tar_gz_bundles_and_upload_size(tmp_path, settings, bundle):
    import tarfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ARENA_WORK_ROOT = tmp_path / "work"
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(bundle, arcname=".")
    staged = stage(archive)
    try:
        assert staged.archive.name == "bundle.tar.gz"
        assert check_bundle(staged.root)[1] == []
    finally:
        staged.cleanup()
    settings.ARENA_BUNDLE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.zip", b"PK\x03\x04" + b"\0" * (2 * 2**20))
    _refused(big, "larger than 1 MB")
