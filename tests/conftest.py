"""pytest configuration for every test; the shared helpers live in the _support package."""

import os

# a simulator session process that a test's `v6lab start` leaves behind ends a minute after
# its last command, not 15 (the machine is shared); the lab tests stop theirs at once
os.environ.setdefault("V6LAB_SERVER_IDLE", "60")
