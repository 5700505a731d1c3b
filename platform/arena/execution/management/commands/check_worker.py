"""``python manage.py check_worker [--probe]``: can this machine run algorithm jobs?

Reports the engine behind ``ARENA_ENGINE_URL`` (Docker or Podman, version), the GPUs this
worker hands out (``ARENA_GPU_IDS``) and whether the engine can give them (Docker: nvidia
runtime; Podman: CDI devices), and with ``--probe`` runs a sandboxed container of
``--image`` and prints what it sees. Exit status 1 when something needed is missing."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

PROBE = "id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; ls /sys/class/net | tr '\\n' ' '"


class Command(BaseCommand):
    help = "Check the container engine and GPUs of this worker (optionally run a sandbox probe)."

    def add_arguments(self, parser):
        parser.add_argument("--probe", action="store_true", help="run a sandboxed probe container")
        parser.add_argument("--image", default="localhost/arena/base:latest",
                            help="image of the probe (needs /bin/sh)")

    def handle(self, *args, **options):
        from django.conf import settings

        from arena.execution.backends import BackendError, RunSpec, get_backend, gpu_ids
        from arena.execution.backends import gpu as gpu_mod

        try:
            backend = get_backend()
        except BackendError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"engine: {backend.engine} at {settings.ARENA_ENGINE_URL}")
        worker_gpus = gpu_ids()
        self.stdout.write(f"GPU ids of this worker (ARENA_GPU_IDS): {', '.join(worker_gpus) or 'none'}")
        problems = []
        if worker_gpus:
            try:
                if backend.engine == "docker":
                    gpu_mod.check_docker_gpu_runtime(backend.client.info())
                    self.stdout.write("GPU request: device_requests (nvidia runtime present)")
                else:
                    names = gpu_mod.check_cdi_devices(worker_gpus)
                    self.stdout.write(f"GPU request: CDI devices {', '.join(names)}")
            except BackendError as exc:
                problems.append(str(exc))
        if options["probe"]:
            with tempfile.TemporaryDirectory() as tmp:
                inp, out = Path(tmp, "in"), Path(tmp, "out")
                inp.mkdir()
                out.mkdir(mode=0o777)
                out.chmod(0o777)
                spec = RunSpec(image=options["image"], name=f"arena-probe-{time.time_ns()}",
                               input_dir=inp, output_dir=out, labels={"arena.probe": "1"},
                               time_limit_s=60, memory_mb=256, cpus=1,
                               command=("/bin/sh", "-c", PROBE))
                try:
                    result = backend.run(spec)
                    self.stdout.write("probe: " + " | ".join(result.stdout.split("\n")).strip(" |"))
                    if result.exit_code != 0:
                        problems.append(f"probe exited with {result.exit_code}: {result.stderr[-300:]}")
                except BackendError as exc:
                    problems.append(f"probe failed: {exc}")
        for problem in problems:
            self.stderr.write(f"problem: {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s): this worker cannot run every job")
        self.stdout.write("ok")
