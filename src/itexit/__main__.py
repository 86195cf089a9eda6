"""`python -m itexit` is the same as `itexit`."""

from itexit.launch import run

run()
