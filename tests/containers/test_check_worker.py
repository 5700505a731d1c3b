"""``manage.py check_worker``: engine detection, sandbox probe, GPU problems named."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = [pytest.mark.containers]


def test_check_worker_probe(backend):
    out = io.StringIO()
    call_command("check_worker", "--probe", stdout=out)
    text = out.getvalue()
    assert "engine: podman" in text
    assert "probe: 1000 | CapEff:\t0000000000000000 | NoNewPrivs:\t1 | lo" in text
    assert text.strip().endswith("ok")


def test_check_worker_names_the_missing_gpu(backend, settings):
    settings.ARENA_GPU_IDS = "0"
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_worker", stdout=io.StringIO(), stderr=err)
    assert "no CDI device nvidia.com/gpu=0" in err.getvalue()
