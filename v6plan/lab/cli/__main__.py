"""``python -m v6plan.lab.cli``: the same as ``v6lab``."""

import sys

from . import main

sys.exit(main())
