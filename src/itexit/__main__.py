"""`python -m itexit` is the same as `itexit`."""

from itexit.cli import run

run()
