"""Challenge bundles for tests: a kits21 bundle folder built from small phantoms (the data is
generated once per session and copied), and a zip of a bundle folder."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

MANIFEST = """\
slug: {slug}
title: {title}
phases:
  - slug: validation
    title: Validation
    task: kits21
    kind: predictions
    references: data/validation/references
    inputs: data/validation/inputs
"""

PAGES = {
    "overview": "# Overview\n\nFind the kidneys.\n",
    "rules": "# Rules\n\nOne account per person.\n",
    "data": "# Data\n\nSynthetic phantoms.\n",
    "timeline": "# Timeline\n\nOpen now.\n",
}


def phantom_dataset(root: Path, task: str = "kits21", cases: int = 2, seed: int = 7) -> Path:
    """A small phantom dataset folder (``inputs/`` + ``references/``) for ``task``."""
    from baselines.phantoms import generate_dataset

    return generate_dataset(task, root, preset="small", n_cases=cases, seed=seed)


def make_bundle(target: Path, data: Path, *, slug: str = "my-kits", title: str = "My KiTS",
                manifest: str | None = None, pages: dict[str, str] | None = None) -> Path:
    """A bundle folder at ``target``: challenge.yaml, pages/*.md and the phantom ``data``
    copied to data/validation/{inputs,references}."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "challenge.yaml").write_text(manifest or MANIFEST.format(slug=slug, title=title))
    (target / "pages").mkdir(exist_ok=True)
    for name, text in (PAGES if pages is None else pages).items():
        (target / "pages" / f"{name}.md").write_text(text)
    for part in ("inputs", "references"):
        dest = target / "data" / "validation" / part
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(data / part, dest)
    return target


def zip_bundle(folder: Path, target: Path) -> Path:
    """Zip ``folder``'s files (names relative to it) into ``target``."""
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target
