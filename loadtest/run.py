#!/usr/bin/env python3
"""PersonaWorlds load tests: python3 loadtest/run.py <scenario> [flags]

Scenarios (scale-plan phases): public (phase 1, public read baseline), mixed (phase 2,
authenticated mixed traffic), queue (phase 3, queue stress). `run.py <scenario> --help` lists a
scenario's flags. Python 3 standard library only.

Exit status: 0 PASS, 1 FAIL, 2 setup or usage error, 130 interrupted.
"""

import os
import sys

# The library lives next to this script; putting its directory on the path lets the script run
# from any working directory without installing anything.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
