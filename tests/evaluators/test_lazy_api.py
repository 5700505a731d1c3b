"""The public API of ``evaluators`` is imported lazily (PEP 562): ``import evaluators`` loads
neither SimpleITK, SciPy nor NumPy, yet every name of ``__all__`` resolves, to the object its
defining submodule holds, through attribute access, ``from evaluators import X`` and
``from evaluators import *``. Each check runs in a fresh interpreter (this one has long loaded
the scoring stack)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("SimpleITK", "scipy", "numpy", "pandas", "statsmodels", "skimage")


def _fresh(code: str) -> dict:
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_import_evaluators_loads_no_numeric_library():
    out = _fresh(
        "import json, sys\n"
        "import evaluators\n"
        "from evaluators.report import spreadsheet_safe\n"
        f"print(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules],\n"
        "                   'version': evaluators.__version__}))\n"
    )
    assert out == {"loaded": [], "version": "0.1.0"}


def test_every_public_name_resolves_to_its_submodule_object():
    out = _fresh(
        "import json, importlib\n"
        "import evaluators\n"
        "from evaluators import score_folder, get_task, EvaluationInputError\n"
        "from evaluators import *  # noqa: F403\n"
        "star = {n: globals()[n] for n in evaluators.__all__}\n"
        "src = {'EvaluationInputError': 'errors', 'ScoringTimeoutError': 'errors',\n"
        "       'RankedEntry': 'ranking', 'write_report': 'report', 'ScoreResult': 'scoring',\n"
        "       'rank_submissions': 'scoring', 'reference_digest': 'scoring',\n"
        "       'score_folder': 'scoring', 'validate_folder': 'scoring', 'Task': 'tasks',\n"
        "       'get_task': 'tasks', 'list_tasks': 'tasks'}\n"
        "same = {n: star[n] is getattr(importlib.import_module('evaluators.' + m), n)\n"
        "        for n, m in src.items()}\n"
        "missing = sorted(set(evaluators.__all__) - set(dir(evaluators)))\n"
        "try:\n"
        "    evaluators.no_such_name\n"
        "    error = None\n"
        "except AttributeError as exc:\n"
        "    error = str(exc)\n"
        "print(json.dumps({'same': same, 'n_all': len(evaluators.__all__), 'missing': missing,\n"
        "                  'kits': get_task('kits21').name, 'error': error,\n"
        "                  'subclass': issubclass(star['ScoringTimeoutError'],\n"
        "                                         EvaluationInputError)}))\n"
    )
    assert out["same"] == dict.fromkeys(out["same"], True) and len(out["same"]) == 12
    assert out["n_all"] == 13 and out["missing"] == []  # the 12 names and __version__
    assert out["kits"] == "kits21" and out["subclass"] is True
    assert out["error"] == "module 'evaluators' has no attribute 'no_such_name'"
