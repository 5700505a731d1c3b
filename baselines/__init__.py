"""Arena baselines: phantom datasets, non-learned reference baselines and nnU-Net v2 baselines.

- :mod:`baselines.phantoms`: deterministic phantom dataset generators, one per task.
- :mod:`baselines.reference`: non-learned (threshold + connected components + geometry prior)
  baselines, the floor every submission should beat.
- :mod:`baselines.nnunet`: conversion to nnU-Net v2 raw format, training, export, inference.
"""
