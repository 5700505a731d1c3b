"""Entry point of ``python -m evaluators``."""

import sys

from evaluators.cli import main

if __name__ == "__main__":
    sys.exit(main())
