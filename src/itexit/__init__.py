"""itexit: let go of an IT person or vendor without losing control of a single system."""

__version__ = "0.1.0"
