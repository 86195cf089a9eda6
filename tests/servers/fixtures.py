"""Real servers on loopback for verifier and mailbox tests, started by the tests themselves."""

from __future__ import annotations
