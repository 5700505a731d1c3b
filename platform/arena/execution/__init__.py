"""Algorithm submissions: image validation, sandboxed container runs on GPU workers, hand-over
of the collected outputs to scoring. See ``services`` for the entry points."""
