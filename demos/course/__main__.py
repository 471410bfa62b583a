"""`python -m demos.course new DIR` / `python -m demos.course check DIR [--part N] [--hint K]`."""

import sys

from .cli import main

sys.exit(main())
