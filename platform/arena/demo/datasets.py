"""Synthetic test sets of the demo phases, generated once by ``baselines.phantoms``, and the
demo bundles made of them (the shipped challenge.yaml + pages with the generated data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings

from arena.demo.spec import DEMO_CASES, DEMO_PRESET, DEMO_SEED, DemoChallenge


def demo_root() -> Path:
    """Local folder where the seeding process generates the demo datasets and prediction
    archives (``ARENA_WORK_ROOT/demo``); phases read their imported copy from storage."""
    return Path(settings.ARENA_WORK_ROOT) / "demo"


def ensure_dataset(task: str, name: str, *, cases: int = DEMO_CASES) -> Path:
    """The dataset folder ``demo_root()/name`` for ``task`` (generated when missing or when
    it was made for another task / case count / seed). Returns its path."""
    from baselines.phantoms import generate_dataset

    root = demo_root() / name
    meta_path = root / "dataset.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            meta = {}
        if (
            meta.get("task") == task
            and len(meta.get("cases") or []) == cases
            and meta.get("seed") == DEMO_SEED
            and (root / "inputs").is_dir()
            and (root / "references").is_dir()
        ):
            return root
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    generate_dataset(task, root, preset=DEMO_PRESET, n_cases=cases, seed=DEMO_SEED)
    return root


def _place(source: Path, target: Path) -> None:
    """``target`` becomes a copy of the folder ``source`` (unchanged when it already is)."""
    if target.is_dir():
        same = sorted(p.relative_to(target) for p in target.rglob("*")) == sorted(
            p.relative_to(source) for p in source.rglob("*")) and all(
            (target / p.relative_to(source)).stat().st_size == p.stat().st_size
            for p in source.rglob("*") if p.is_file())
        if same:
            return
        shutil.rmtree(target)
    shutil.copytree(source, target)


def ensure_bundle(challenge: DemoChallenge) -> tuple[Path, dict[str, Path]]:
    """The demo bundle folder ``demo_root()/bundles/<slug>``: the shipped challenge.yaml and
    pages, and for each phase the generated dataset (:func:`ensure_dataset`) at the folders its
    manifest names. Returns the folder and ``{phase slug: generated dataset folder}``."""
    import yaml

    shipped = challenge.bundle
    manifest = yaml.safe_load((shipped / "challenge.yaml").read_text(encoding="utf-8"))
    target = demo_root() / "bundles" / challenge.slug
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped / "challenge.yaml", target / "challenge.yaml")
    _place(shipped / "pages", target / "pages")
    roots = {}
    for phase in manifest["phases"]:
        root = ensure_dataset(phase["task"], f"{challenge.slug}-{phase['slug']}")
        _place(root / "references", target / phase["references"])
        if phase.get("inputs"):
            _place(root / "inputs", target / phase["inputs"])
        roots[phase["slug"]] = root
    return target, roots
