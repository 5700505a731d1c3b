"""What a refused bundle reports: every problem as (file, field, message)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MANIFEST = "challenge.yaml"


@dataclass(frozen=True)
class Problem:
    """One problem of a bundle. ``file``: path inside the bundle (``challenge.yaml``,
    ``data/validation/references/case_1.nii.gz``; "" for the bundle archive itself);
    ``field``: the manifest field it concerns (``phases[0].task``; "" when none); ``message``:
    what is wrong and what was expected (never a server path)."""

    file: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """``{"file", "field", "message"}`` (the API's shape)."""
        return asdict(self)

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class BundleError(Exception):
    """A bundle that was refused; ``problems`` lists every problem found (nothing was created
    or stored)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))
