"""Tissue canvas and image synthesis for phantoms.

A generator paints two maps on the same grid: ``tissue`` (what the scanner sees: fat, bone,
organ parenchyma, ... named tissues) and ``labels`` (the reference segmentation, in the task's
own label values). Images are rendered from the tissue map with one intensity table per
channel, then blurred (partial volume), textured, biased (MR) and corrupted by noise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from baselines.phantoms.geometry import Grid, Region, paint


@dataclass
class Canvas:
    """Tissue and label maps of one phantom case (arrays in (z, y, x) order)."""

    grid: Grid
    label_dtype: type = np.uint8
    tissue: np.ndarray = field(init=False)
    labels: np.ndarray = field(init=False)
    tissue_names: list[str] = field(default_factory=lambda: ["air"])

    def __post_init__(self) -> None:
        self.tissue = np.zeros(self.grid.shape, np.uint8)
        self.labels = np.zeros(self.grid.shape, self.label_dtype)

    def code(self, name: str) -> int:
        """Integer code of a named tissue (registered on first use)."""
        if name not in self.tissue_names:
            self.tissue_names.append(name)
        return self.tissue_names.index(name)

    def put(
        self,
        region: Region | None,
        tissue: str | None = None,
        label: int | None = None,
        over_tissue: Iterable[str] | None = None,
        over_label: Iterable[int] | None = None,
        remap: dict[int, int] | None = None,
    ) -> Region | None:
        """Paint ``region`` with a tissue and/or a label.

        ``over_tissue`` restricts the whole operation (tissue and label) to voxels currently
        holding one of those tissues; ``over_label`` restricts the label write to voxels holding
        one of those labels (None = overwrite anything). ``remap`` rewrites existing labels
        inside the region (overlap atoms). Returns the region for chaining.
        """
        if region is None:
            return None
        if over_tissue is not None:
            allowed = [self.code(t) for t in over_tissue]
            region = Region(region.sl, region.mask & np.isin(self.tissue[region.sl], allowed))
        if tissue is not None:
            paint(self.tissue, region, self.code(tissue), over=None)
        if label is not None or remap:
            value = 0 if label is None else label
            over_l = over_label if label is not None else []
            paint(self.labels, region, value, over=over_l, remap=remap)
        return region

    def mask_of(self, *names: str) -> np.ndarray:
        """Boolean mask of the voxels holding any of the named tissues."""
        codes = [self.tissue_names.index(n) for n in names if n in self.tissue_names]
        return np.isin(self.tissue, codes)


def bias_field(shape: tuple[int, ...], rng: np.random.Generator, strength: float) -> np.ndarray:
    """Smooth multiplicative field exp(p(x, y, z)) with a random 2nd-order polynomial p whose
    values stay within about ±``strength`` (MR coil sensitivity / B1 inhomogeneity)."""
    if strength <= 0:
        return np.ones(shape, np.float32)
    axes = [np.linspace(-1, 1, n, dtype=np.float32) for n in shape]
    z, y, x = np.meshgrid(*axes, indexing="ij", sparse=True)
    c = rng.uniform(-1, 1, 9) * strength / 3.0
    p = c[0] * x + c[1] * y + c[2] * z + c[3] * x * y + c[4] * y * z + c[5] * x * z
    p = p + c[6] * x * x + c[7] * y * y + c[8] * z * z
    return np.exp(p).astype(np.float32)


def render(
    canvas: Canvas,
    table: dict[str, float],
    rng: np.random.Generator,
    *,
    noise_sd: float,
    texture_sd: float = 0.0,
    blur_mm: float = 0.7,
    bias: float = 0.0,
    rician: bool = False,
    default: float = 0.0,
) -> np.ndarray:
    """Render one image channel (float32) from the canvas' tissue map.

    ``table`` maps tissue names to mean intensities (HU for CT, arbitrary MR units); tissues not
    in the table get ``default``. ``texture_sd`` adds smooth parenchymal texture, ``blur_mm``
    a Gaussian point-spread (partial volume), ``bias`` a multiplicative bias field (MR),
    ``noise_sd`` white noise (Gaussian for CT, Rician magnitude noise for MR with ``rician``).
    """
    lut = np.full(len(canvas.tissue_names), default, np.float32)
    for name, value in table.items():
        if name in canvas.tissue_names:
            lut[canvas.tissue_names.index(name)] = value
    img = lut[canvas.tissue]
    spacing = np.asarray(canvas.grid.spacing, float)
    if texture_sd > 0:
        tex = rng.standard_normal(img.shape, dtype=np.float32)
        tex = ndimage.gaussian_filter(tex, sigma=np.maximum(2.0 / spacing, 0.5))
        tex *= texture_sd / (tex.std() + 1e-6)
        img += tex
    if blur_mm > 0:
        img = ndimage.gaussian_filter(img, sigma=np.maximum(blur_mm / spacing, 0.3))
    if bias > 0:
        img *= bias_field(img.shape, rng, bias)
    if rician:
        re = img + rng.standard_normal(img.shape, dtype=np.float32) * noise_sd
        im = rng.standard_normal(img.shape, dtype=np.float32) * noise_sd
        img = np.sqrt(re * re + im * im)
    else:
        img += rng.standard_normal(img.shape, dtype=np.float32) * noise_sd
    return img.astype(np.float32)
