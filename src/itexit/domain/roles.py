"""Roles, scopes and the one deny-by-default permission matrix."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MANAGER = "manager"
    CONSULTANT = "consultant"
    HR = "hr"
    VIEWER = "viewer"


class Scope(StrEnum):
    """A scope is a family of records sealed under one key per epoch."""

    CRED = "cred"
    HR = "hr"


SCOPE_WORDS: dict[Scope, str] = {
    Scope.CRED: "the credentials and mailbox records",
    Scope.HR: "the HR records",
}
"""Each scope as a person reads it: what its key opens."""


def scope_words(scope: Scope | str) -> str:
    try:
        return SCOPE_WORDS[Scope(scope)]
    except ValueError:
        return f"the {scope} records"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.MANAGER: frozenset({Scope.CRED, Scope.HR}),
    Role.CONSULTANT: frozenset({Scope.CRED}),
    Role.HR: frozenset({Scope.HR}),
    Role.VIEWER: frozenset(),
}

ROLE_LABELS: dict[Role, str] = {
    Role.MANAGER: "Practice manager",
    Role.CONSULTANT: "IT consultant",
    Role.HR: "HR officer",
    Role.VIEWER: "Auditor (read-only)",
}


class Permission(StrEnum):
    DASHBOARD_READ = "dashboard.read"
    USER_LIST = "user.list"
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    CRED_LIST = "cred.list"
    CRED_REVEAL = "cred.reveal"
    CRED_WRITE = "cred.write"
    CRED_ROTATE = "cred.rotate"
    VENDOR_READ = "vendor.read"
    VENDOR_WRITE = "vendor.write"
    CASE_READ = "case.read"
    CASE_WRITE = "case.write"
    TASK_COMPLETE = "task.complete"
    HR_READ = "hr.read"
    HR_WRITE = "hr.write"
    RENEWAL_READ = "renewal.read"
    RENEWAL_WRITE = "renewal.write"
    MAILBOX_READ = "mailbox.read"
    MAILBOX_REVIEW = "mailbox.review"
    VAULT_BACKUP = "vault.backup"
    SETTINGS_WRITE = "settings.write"


_READ_ONLY = frozenset(
    {
        Permission.DASHBOARD_READ,
        Permission.USER_LIST,
        Permission.AUDIT_READ,
        Permission.CRED_LIST,
        Permission.VENDOR_READ,
        Permission.CASE_READ,
        Permission.RENEWAL_READ,
        Permission.MAILBOX_READ,
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MANAGER: frozenset(Permission),
    Role.CONSULTANT: _READ_ONLY
    | {
        Permission.CRED_REVEAL,
        Permission.CRED_WRITE,
        Permission.CRED_ROTATE,
        Permission.VENDOR_WRITE,
        Permission.TASK_COMPLETE,
        Permission.RENEWAL_WRITE,
        Permission.MAILBOX_REVIEW,
        Permission.AUDIT_CHECKPOINT,
        Permission.VAULT_BACKUP,
    },
    Role.HR: _READ_ONLY
    | {Permission.HR_READ, Permission.HR_WRITE, Permission.TASK_COMPLETE, Permission.CASE_WRITE},
    Role.VIEWER: _READ_ONLY | {Permission.AUDIT_CHECKPOINT},
}


ROLE_NOUNS: dict[Role, str] = {
    Role.MANAGER: "a practice manager",
    Role.CONSULTANT: "an IT consultant",
    Role.HR: "an HR officer",
    Role.VIEWER: "an auditor",
}
"""Each role as it reads in a sentence."""

PERMISSION_WORDS: dict[Permission, str] = {
    Permission.DASHBOARD_READ: "see the dashboard",
    Permission.USER_LIST: "see who can unlock the vault",
    Permission.USER_MANAGE: "add, remove or change the people who can unlock the vault",
    Permission.AUDIT_READ: "read the history of changes",
    Permission.AUDIT_CHECKPOINT: "print a checkpoint of the history",
    Permission.CRED_LIST: "see the list of credentials",
    Permission.CRED_REVEAL: "see or copy a password or other secret",
    Permission.CRED_WRITE: "add or change credentials",
    Permission.CRED_ROTATE: "change or verify passwords",
    Permission.VENDOR_READ: "see the vendors",
    Permission.VENDOR_WRITE: "change the vendors",
    Permission.CASE_READ: "see the departure cases",
    Permission.CASE_WRITE: "open or change departure cases",
    Permission.TASK_COMPLETE: "complete checklist tasks",
    Permission.HR_READ: "read HR records such as the exit statement",
    Permission.HR_WRITE: "change HR records such as the exit statement",
    Permission.RENEWAL_READ: "see the renewals",
    Permission.RENEWAL_WRITE: "change the renewals",
    Permission.MAILBOX_READ: "see the monitored mailboxes",
    Permission.MAILBOX_REVIEW: "review the monitored mailboxes",
    Permission.VAULT_BACKUP: "make or restore a backup of the vault",
    Permission.SETTINGS_WRITE: "change the practice's settings",
}
"""What each permission lets a person do, for refusals a practice manager can read."""


def role_name(role: Role | str) -> str:
    """The role's short name ("Auditor", "HR officer"); a stored value not known is shown as is."""
    try:
        return ROLE_LABELS[Role(role)].split(" (")[0]
    except ValueError:
        return str(role)


def role_noun(role: Role | str) -> str:
    """The role as it reads in a sentence ("an auditor", "an HR officer")."""
    try:
        return ROLE_NOUNS[Role(role)]
    except ValueError:
        return f"a {role}"


def refusal(role: Role, permission: Permission) -> str:
    """`An auditor cannot see or copy a password or other secret.`"""
    noun = ROLE_NOUNS.get(role, "this role")
    return f"{noun[0].upper()}{noun[1:]} cannot {PERMISSION_WORDS[permission]}."


def is_allowed(role: Role, permission: Permission) -> bool:
    """Deny by default: a permission is granted only if the matrix lists it for the role."""
    return permission in PERMISSIONS.get(role, frozenset())
