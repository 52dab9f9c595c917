#!/usr/bin/env python3
"""Phase 3 queue stress; kept so existing commands keep working. Same as
`python3 loadtest/run.py queue [flags]` (the code lives in harness/scenarios/queue.py and locust/queue.py).

Exit status: 0 PASS, 1 FAIL, 2 setup/usage error, 130 interrupted.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="queue_stress.py", scenario="queue"))
