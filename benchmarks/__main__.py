"""`python -m benchmarks bench|drills|sweeps|data ...`: see `benchmarks.cli`."""

import sys

from benchmarks.cli import main

sys.exit(main())
