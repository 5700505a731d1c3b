"""A fake Docker SDK client recording what the backend asks for (no engine needed)."""

from __future__ import annotations

from pathlib import Path

from docker.errors import ImageNotFound, NotFound

from arena.execution.backends import RunSpec


def run_spec(tmp_path: Path, **kw) -> RunSpec:
    """A RunSpec of image "img" with empty input and output folders under ``tmp_path``."""
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    return RunSpec(image="img", name="arena-job1-a1", input_dir=tmp_path / "in",
                   output_dir=tmp_path / "out", labels={"arena.job": "1"}, **kw)


class FakeContainer:
    def __init__(self, client, cid: str, kwargs: dict):
        self.client = client
        self.id = cid
        self.name = kwargs.get("name", cid)
        self.kwargs = kwargs
        self.attrs = {"State": {"Status": "created", "Running": False}}

    def start(self):
        self.attrs = {"State": {"Status": "exited", "Running": False, "ExitCode": 0,
                                "OOMKilled": False, **self.client.exit_state}}

    def reload(self):
        pass

    def kill(self):
        pass


class FakeApi:
    base_url = "http+docker://localhost"
    api_version = "1.41"

    def __init__(self, client):
        self.client = client
        self.posted: list[tuple[str, dict]] = []

    def remove_container(self, name, force=False, v=False):
        self.client.removed.append(name)
        if name not in self.client.containers_by_id:
            raise NotFound("gone")

    def logs(self, cid, **kwargs):
        return iter([b"hello\n"] if kwargs.get("stdout") else [])

    def stats(self, cid, **kwargs):
        return iter([{"memory_stats": {"usage": 1234}}])

    def _post_json(self, url, data):
        self.posted.append((url, data))
        container = FakeContainer(self.client, "libpod1", data)
        self.client.containers_by_id[container.id] = container

        class Response:
            def json(self):
                return {"Id": "libpod1"}
        return Response()

    def _raise_for_status(self, response):
        pass


class FakeContainers:
    def __init__(self, client):
        self.client = client

    def create(self, **kwargs):
        self.client.created.append(kwargs)
        container = FakeContainer(self.client, f"c{len(self.client.created)}", kwargs)
        self.client.containers_by_id[container.id] = container
        return container

    def get(self, cid):
        return self.client.containers_by_id[cid]

    def list(self, all=False, filters=None):
        return []


class FakeImages:
    def __init__(self, present: set[str]):
        self.present = present

    def get(self, ref):
        if ref not in self.present:
            raise ImageNotFound(ref)
        return ref


class FakeClient:
    """``engine``: "podman" or "docker"; ``runtimes``: Docker's info()["Runtimes"]."""

    def __init__(self, engine: str, runtimes: dict | None = None, images=("img",),
                 exit_state: dict | None = None):
        self.engine = engine
        self.exit_state = exit_state or {}  # overrides of the exited container's State
        self.runtimes = runtimes or {}
        self.created: list[dict] = []
        self.removed: list[str] = []
        self.containers_by_id: dict[str, FakeContainer] = {}
        self.api = FakeApi(self)
        self.containers = FakeContainers(self)
        self.images = FakeImages(set(images))

    def version(self):
        if self.engine == "podman":
            return {"Components": [{"Name": "Podman Engine", "Version": "4.3.1"}]}
        return {"Components": [{"Name": "Engine", "Version": "27.0.3"}], "Platform": {"Name": "Docker Engine - Community"}}

    def info(self):
        return {"Runtimes": self.runtimes}

    def ping(self):
        return True


class ScriptedBackend:
    """An ExecutionBackend whose ``run`` calls ``behaviour(spec)`` (writes outputs, returns a
    RunResult or raises); records removed label sets and runs."""

    engine = "podman"

    def __init__(self, behaviour, present: bool = True):
        self.behaviour = behaviour
        self.present = present
        self.loaded: list[tuple[int, str]] = []
        self.removed_images: list[tuple[str, bool]] = []
        self.runs = []
        self.removed_labels = []

    def ping(self):
        pass

    def image_exists(self, image_id):
        return self.present

    def load_image(self, stream, expected_id):
        size = 0
        while chunk := stream.read(1 << 20):
            size += len(chunk)
        self.loaded.append((size, expected_id))
        self.present = True
        return expected_id

    def remove_image(self, image_id, force=True):
        self.removed_images.append((image_id, force))
        self.present = False
        return True

    def run(self, spec):
        self.runs.append(spec)
        return self.behaviour(spec)

    def remove_containers(self, labels):
        self.removed_labels.append(labels)
        return [info.name for info in getattr(self, "others", [])
                if all(info.labels.get(k) == v for k, v in labels.items())]

    def list_containers(self, labels):
        return []

    def labelled_containers(self, key):
        return list(getattr(self, "others", []))
