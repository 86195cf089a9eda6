"""Credentials: the shared-account register, rotation, password changing and hand-overs.

One module per group of use cases: `records` (the row and sealed-secret helpers) → `adding`,
`admin`, `lifecycle` → `rotation`, `changing`, `handover` → `service` (`CredentialService`,
which gathers them, and the dashboard tiles).
"""
