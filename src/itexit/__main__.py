"""`python -m itexit` is the same as `itexit`."""

import sys

from itexit.cli import main

sys.exit(main())
