"""SegRap2023 structure definitions: the 54 non-overlapping atoms and the 45 organs-at-risk.

Each OAR is the union of its atoms (the layout nnU-Net-style models predict); overlapping OARs
(temporal lobe ∩ hippocampus, middle ear ∩ tympanic cavity, larynx ∩ pharyngeal constrictor,
...) share an atom. :func:`atoms_to_structures` and :func:`structures_to_atoms` convert between
the two layouts.
"""

from __future__ import annotations

import numpy as np

#: OAR name -> atoms (label values of the 54-atom map) forming it
OAR_ATOMS: dict[str, tuple[int, ...]] = {
    "Brain": tuple(range(1, 10)), "BrainStem": (2,), "Chiasm": (3,),
    "TemporalLobe_L": (4, 6), "TemporalLobe_R": (5, 7),
    "Hippocampus_L": (8, 6), "Hippocampus_R": (9, 7),
    "Eye_L": (10, 12), "Eye_R": (11, 13), "Lens_L": (12,), "Lens_R": (13,),
    "OpticNerve_L": (14,), "OpticNerve_R": (15,),
    "MiddleEar_L": (18, 16, 20, 24, 28, 30), "MiddleEar_R": (19, 17, 21, 25, 29, 31),
    "IAC_L": (18,), "IAC_R": (19,),
    "TympanicCavity_L": (22, 20), "TympanicCavity_R": (23, 21),
    "VestibulSemi_L": (26, 24), "VestibulSemi_R": (27, 25),
    "Cochlea_L": (28,), "Cochlea_R": (29,),
    "ETbone_L": (32, 30), "ETbone_R": (33, 31),
    "Pituitary": (34,), "OralCavity": (35,),
    "Mandible_L": (36,), "Mandible_R": (37,),
    "Submandibular_L": (38,), "Submandibular_R": (39,),
    "Parotid_L": (40,), "Parotid_R": (41,),
    "Mastoid_L": (42,), "Mastoid_R": (43,),
    "TMjoint_L": (44,), "TMjoint_R": (45,),
    "SpinalCord": (46,), "Esophagus": (47,),
    "Larynx": (48, 49, 50, 51), "Larynx_Glottic": (49,), "Larynx_Supraglot": (50,),
    "PharynxConst": (51, 52), "Thyroid": (53,), "Trachea": (54,),
}
OARS: tuple[str, ...] = tuple(OAR_ATOMS)
GTVS: tuple[str, ...] = ("GTVp", "GTVnd")

#: atom -> readable name: its owning OARs other than Brain joined by '&' ("_only" when the
#: atom is the part of a multi-atom OAR that no other OAR shares)
ATOM_NAMES: dict[int, str] = {}
for _a in range(1, 55):
    _owners = [s for s, atoms in OAR_ATOMS.items() if _a in atoms and s != "Brain"]
    if not _owners:
        ATOM_NAMES[_a] = "Brain_only"
    elif len(_owners) == 1 and len(OAR_ATOMS[_owners[0]]) > 1:
        ATOM_NAMES[_a] = _owners[0] + "_only"
    else:
        ATOM_NAMES[_a] = "&".join(_owners)


def atoms_to_structures(atom_map: np.ndarray, names=OARS) -> dict[str, np.ndarray]:
    """Binary masks (uint8) of each OAR in ``names`` from a 54-atom label map."""
    return {n: np.isin(atom_map, OAR_ATOMS[n]).astype(np.uint8) for n in names}


def structures_to_atoms(masks: dict[str, np.ndarray]) -> np.ndarray:
    """54-atom label map (uint8) from per-OAR binary masks (missing OARs count as empty).

    A voxel gets the atom whose set of containing OARs equals the set of OARs marking the
    voxel; a voxel with an impossible combination (inconsistent masks) gets the atom of its
    most specific marking OAR (the one with the fewest atoms).
    """
    shape = next(iter(masks.values())).shape
    out = np.zeros(shape, np.uint8)
    owners = {a: frozenset(s for s, at in OAR_ATOMS.items() if a in at) for a in range(1, 55)}
    by_sig = {sig: a for a, sig in owners.items()}
    present = [s for s in OARS if s in masks]
    bits = np.zeros(shape, np.int64)
    for i, s in enumerate(present):
        bits |= (masks[s] > 0).astype(np.int64) << i
    for code in np.unique(bits):
        if code == 0:
            continue
        sig = frozenset(s for i, s in enumerate(present) if code >> i & 1)
        atom = by_sig.get(sig)
        if atom is None:
            best = min(sig, key=lambda s: len(OAR_ATOMS[s]))
            atom = OAR_ATOMS[best][0]
        out[bits == code] = atom
    return out
