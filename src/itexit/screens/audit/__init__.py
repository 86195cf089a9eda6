"""The audit log viewer: the record, newest first, with who did what in plain words."""

from itexit.screens.audit.screen import AuditLogScreen

__all__ = ["AuditLogScreen"]
