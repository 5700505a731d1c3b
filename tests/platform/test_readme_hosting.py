"""Every command of the README's "Host a challenge" section runs here, in README order: the
phantom generator and ``python -m zipfile`` as processes, ``manage.py`` commands through
``call_command``, ``curl`` calls translated to the API test client (same headers, form fields
and body). A command of another form fails the test, so a new README command needs a runner."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from arena.challenges.models import BundleVersion, Challenge, ChallengePage

ROOT = Path(__file__).resolve().parents[2]


def section_commands() -> list[str]:
    """The shell commands of the README section "Host a challenge" (```bash blocks)."""
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Host a challenge")
    end = text.index("\n## ", start + 5)
    blocks = re.findall(r"```bash\n(.*?)\n\s*```", text[start:end], flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _curl(argv: list[str], env: dict, cwd: Path):
    method, headers, files, body = "GET", {}, {}, None
    url = None
    items = iter(argv[1:])
    for arg in items:
        if arg == "-X":
            method = next(items)
        elif arg == "-H":
            name, _, value = next(items).partition(": ")
            headers[name] = value
        elif arg == "-F":
            name, _, value = next(items).partition("=")
            assert value.startswith("@"), arg
            path = cwd / value[1:]
            files[name] = SimpleUploadedFile(path.name, path.read_bytes())
        elif arg == "-d":
            body = next(items)
        elif arg.startswith("http://localhost:8000/"):
            url = arg[len("http://localhost:8000"):]
        else:
            raise AssertionError(f"curl option {arg!r} has no translation in this test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers.pop("Authorization"))
    if files:
        assert method == "GET", "curl -F posts"
        return client.post(url, files, format="multipart")
    if body is not None:
        assert headers.get("Content-Type") == "application/json"
        return getattr(client, method.lower())(url, json.loads(body), format="json")
    return getattr(client, method.lower())(url)


def test_readme_host_a_challenge_commands(db, tmp_path, monkeypatch):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'platform'}", "PATH": os.environ["PATH"]}
    commands = section_commands()
    assert len(commands) == 7, commands
    statuses = []
    for command in commands:
        command = command.replace("$TOKEN", env.get("TOKEN", "$TOKEN"))
        assignment = re.fullmatch(r"(\w+)=\$\((.*)\)", command)
        argv = shlex.split(assignment.group(2) if assignment else command)
        if argv[:2] == ["python", "manage.py"]:
            out = io.StringIO()
            call_command(*argv[2:], stdout=out)
            if assignment:
                env[assignment.group(1)] = out.getvalue().strip()
        elif argv[:2] == ["python", "-m"] and argv[2] in ("baselines.phantoms", "zipfile"):
            done = subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (command, done.stderr)
        elif argv[0] == "curl":
            response = _curl(argv, env, tmp_path)
            statuses.append((argv[-1].rsplit("/v1/", 1)[-1], response.status_code))
        else:
            raise AssertionError(f"README command {command!r} has no runner in this test")
    assert (tmp_path / "my-data" / "references").is_dir()
    assert statuses == [
        ("challenges/", 201),                    # created through the API
        ("challenges/my-kits/bundle/confirm/", 400),  # version 2 changed no reference
        ("challenges/my-kits/pages/rules/", 200),
    ]
    challenge = Challenge.objects.get(slug="my-kits")
    assert list(challenge.organizers.values_list("username", flat=True)) == ["orla"]
    assert sorted(challenge.phases.values_list("slug", "kind")) == [
        ("test", "algorithm"), ("validation", "predictions")]
    assert BundleVersion.objects.filter(challenge=challenge).count() == 2  # API + command
    assert ChallengePage.objects.get(challenge=challenge, slug="rules").body == (
        "# Rules\n\nNo external data.")


@pytest.mark.parametrize("task", ["kits21"])
def test_example_bundle_is_small_and_valid(task):
    from arena.challenges.bundles.validate import check_bundle

    folder = ROOT / "examples" / "bundles" / "my-kits"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert size < 1_000_000
    spec, problems = check_bundle(folder)
    assert problems == [] and {p.task for p in spec.phases} == {task}
