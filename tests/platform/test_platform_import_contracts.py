"""The import contracts of pyproject.toml (`lint-imports`, run by `make lint`): they hold on the
tree, and the app-layer contract does catch a back-import hidden inside a function (checked on a
throw-away package laid out like arena with the same layers)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _run(args: list[str], cwd: Path, pythonpath: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    return subprocess.run(
        [str(LINT_IMPORTS), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_contracts_hold_on_the_tree():
    assert LINT_IMPORTS.is_file(), f"{LINT_IMPORTS} missing: import-linter is in requirements.txt"
    run = _run([], REPO, os.pathsep.join([str(REPO / "platform"), str(REPO)]))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_a_function_level_back_import_breaks_the_app_layers(tmp_path):
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers" and "arena.web" in c["layers"][0])
    apps = [name.strip().removeprefix("arena.") for row in layers["layers"] for name in row.split("|")]
    assert {"challenges", "participation", "submissions", "evaluation", "execution", "leaderboards",
            "web", "api"} <= set(apps)
    root = tmp_path / "fakearena"
    for app in apps:
        (root / app).mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "leaderboards" / "services.py").write_text("def recompute():\n    return 1\n")
    (root / "challenges" / "admin.py").write_text(
        "def action():\n    from fakearena.leaderboards.services import recompute\n\n    return recompute()\n"
    )
    fake_layers = [row.replace("arena.", "fakearena.") for row in layers["layers"]]
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = fakearena\n\n[importlinter:contract:layers]\n"
        f"name = {layers['name']}\ntype = layers\nlayers =\n"
        + "".join(f"    {row}\n" for row in fake_layers)
    )
    run = _run(["--config", str(tmp_path / ".importlinter")], tmp_path, str(tmp_path))
    assert run.returncode != 0, run.stdout
    assert "BROKEN" in run.stdout
    assert "fakearena.challenges.admin -> fakearena.leaderboards.services" in run.stdout
