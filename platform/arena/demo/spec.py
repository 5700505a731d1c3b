"""What the demo seed creates: the six tasks as challenges (bundles in ``demo/bundles/``), the
demo accounts, and the demo submissions of each phase. Plain data, no side effects."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Phantom cases per demo test set and the generator seed (fixed: the demo is reproducible).
DEMO_CASES = 3
DEMO_SEED = 2026
DEMO_PRESET = "small"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str  # "admin" | "organizer" | "participant"
    email: str = ""


ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "arena-admin", "admin", "admin@arena.invalid"),
    DemoAccount("organizer", "arena-organizer", "organizer", "organizer@arena.invalid"),
    DemoAccount("alice", "arena-alice", "participant", "alice@arena.invalid"),
    DemoAccount("bob", "arena-bob", "participant", "bob@arena.invalid"),
    DemoAccount("carol", "arena-carol", "participant", "carol@arena.invalid"),
)


#: the demo's challenge bundles (challenge.yaml + pages; the data folders are generated at
#: seed time), loaded by the same ``import_bundle`` as organizers' uploads
BUNDLES_DIR = Path(__file__).resolve().parent / "bundles"


@dataclass(frozen=True)
class DemoChallenge:
    """One demo challenge: its slug and the shipped bundle folder (no data inside)."""

    slug: str

    @property
    def bundle(self) -> Path:
        return BUNDLES_DIR / self.slug


CHALLENGES: tuple[DemoChallenge, ...] = tuple(
    DemoChallenge(slug)
    for slug in ("kits21", "segrap2023", "myops2020", "cosmos2022", "kipa22", "amos22")
)


@dataclass(frozen=True)
class DemoSubmission:
    """One demo submission: who submits, which prediction variant, the comment (its key), the
    method name on the board, and whether it is a baseline entry."""

    username: str
    variant: str  # "baseline" (reference baseline predictions) | "eroded" | "dilated"
    comment: str
    method: str = ""
    baseline: bool = False


#: the account of the reference baseline rows (no password) and their method name
REFERENCE_BASELINE_USER = "reference-baseline"
REFERENCE_BASELINE_METHOD = "Reference baseline (non-learned)"

SUBMISSIONS: tuple[DemoSubmission, ...] = (
    DemoSubmission(REFERENCE_BASELINE_USER, "baseline", "demo: non-learned reference baseline",
                   REFERENCE_BASELINE_METHOD, baseline=True),
    DemoSubmission("bob", "eroded", "demo: references eroded by one voxel",
                   "Ground truth eroded by 1 voxel (perturbed copy, not a method)"),
    DemoSubmission("carol", "dilated", "demo: references dilated by one voxel",
                   "Ground truth dilated by 1 voxel (perturbed copy, not a method)"),
)
