"""Synthetic test sets of the demo phases, generated once by ``baselines.phantoms``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings

from arena.demo.spec import DEMO_CASES, DEMO_PRESET, DEMO_SEED


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
