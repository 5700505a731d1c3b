"""`make run` as the README describes it: it prints the URL and the demo accounts, serves the
six demo challenges with live leaderboards, and Ctrl-C stops the web server and the worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from arena_process import stop_arena

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read().decode()


def test_banner_home_and_leaderboards(arena_server):
    out = arena_server.output()
    assert f"Arena is running at {arena_server.url}" in out
    for account in ("admin", "organizer", "alice", "bob", "carol"):
        assert f"  {account} " in out
    home = _get(arena_server.url)
    for title in ("KiTS21", "SegRap2023", "MyoPS2020", "COSMOS2022", "KiPA22", "AMOS22"):
        assert title in home, title
    challenges = json.loads(_get(arena_server.url + "api/v1/challenges/"))
    if isinstance(challenges, dict):  # paginated
        challenges = challenges.get("results", [])
    # the demo's six (other browser tests may host challenges of their own on this server)
    demo = {"kits21", "segrap2023", "myops2020", "cosmos2022", "kipa22", "amos22"}
    phases = [p for c in challenges if c["slug"] in demo for p in c["phases"]]
    predictions = [p for p in phases if p["kind"] == "predictions"]
    algorithms = [p for p in phases if p["kind"] == "algorithm"]
    assert len(predictions) == 7
    for phase in predictions:
        board = _get(f"{arena_server.url}phases/{phase['id']}/leaderboard/")
        assert 'id="leaderboard"' in board, phase
        assert "reference-baseline" in board and "bob" in board and "carol" in board, phase
        assert '<span class="pill baseline"' in board, phase  # the reference baseline's badge
    # with a container engine: an algorithm phase per task, the baseline container scored there;
    # without one, the start-up output says why they are absent and how to install an engine
    if "Algorithm phases are absent" in out:
        assert not algorithms and "bash containers/setup_engine.sh" in out
    else:
        assert len(algorithms) == 7, [p["slug"] for p in phases]
        for phase in algorithms:
            board = json.loads(_get(f"{arena_server.url}api/v1/phases/{phase['id']}/leaderboard/"))
            assert [(r["participant"], r["baseline"]) for r in board["rows"]] == [
                ("reference-baseline", True)], phase
    assert "Plotly" in _get(arena_server.url + "vendor/plotly.min.js")[:5000]


def _readme_api_block() -> list[str]:
    """The commands of the README's REST API example (continuation lines joined)."""
    readme = (REPO / "README.md").read_text()
    block = re.search(r"REST API \(.*?```bash\n(.*?)```", readme, re.S).group(1)
    return [" ".join(part.strip() for part in cmd.split("\\\n")) for cmd in
            re.split(r"(?<!\\)\n", block.strip())]


def test_readme_api_commands_work(arena_server, tmp_path):
    """The README's REST API commands, run as written against this server. Only the address,
    the ids (the README's 1 and 7), and the local file paths are adapted; curl fails on an HTTP
    error status."""
    commands = _readme_api_block()
    assert len(commands) >= 7 and commands[0].startswith("TOKEN=$("), commands
    host = arena_server.url.removeprefix("http://").rstrip("/")
    challenges = json.loads(_get(arena_server.url + "api/v1/challenges/"))
    if isinstance(challenges, dict):  # paginated
        challenges = challenges.get("results", [])
    phase_id = next(c for c in challenges if c["slug"] == "kits21")["phases"][0]["id"]
    references = arena_server.var_dir / "work" / "demo" / "kits21-test" / "references"  # seed_demo generates here, then imports into storage
    with zipfile.ZipFile(tmp_path / "preds.zip", "w") as archive:
        for path in sorted(references.glob("*.nii.gz")):
            archive.write(path, path.name)
    script = ["set -euo pipefail"]
    for command in commands:
        command = command.split("  #")[0].strip()
        command = command.replace("localhost:8000", host).replace("phases/1/", f"phases/{phase_id}/")
        command = command.replace("curl -s ", "curl -sS --fail-with-body ")
        command = command.replace("@preds.zip", f"@{tmp_path}/preds.zip")
        command = command.replace("-o inputs.zip", f"-o {tmp_path}/inputs.zip")
        if "-F file=@" in command:  # keep the new submission's id for the status command
            command = f"SUB=$({command}); echo \"$SUB\"; SUB_ID=$(echo \"$SUB\" | {_JSON_ID})"
        command = command.replace("submissions/7/", "submissions/$SUB_ID/")
        script.append(command)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))}
    env["ARENA_VAR_DIR"] = str(arena_server.var_dir)
    env["ARENA_MODE"] = "development"
    run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}\n" + "\n".join(script)
    assert '"status"' in run.stdout and "Kidney Crew" in run.stdout
    assert zipfile.ZipFile(tmp_path / "inputs.zip").namelist()  # test images came down
    assert "rank,participant,submission_id" in run.stdout, run.stdout[-2000:]  # the CSV board


_JSON_ID = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])'"


def test_ctrl_c_stops_server_and_worker(arena_server):
    """Runs last in this folder (file order): SIGINT to the group, everything exits."""
    pgid = arena_server.process.pid
    stop_arena(arena_server.process)
    assert arena_server.process.returncode is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        pytest.fail("processes of `make run` are still alive after Ctrl-C")
    assert "stopping web server and worker" in arena_server.output()
