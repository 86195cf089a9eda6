"""Exit statements as one service: `StatementService` gathers every use case.

Everything personal (the person's name and position, the property list, the practice's text,
the listed systems and the signing record) is sealed in the statement's `hr` document. Only the
status is plain, so anyone who may read cases sees that a statement exists and how far it got.
"""

from __future__ import annotations

from itexit.services.statements.signing import StatementSigning


class StatementService(StatementSigning):
    """Every exit-statement use case: `reading` → `drafting` → `signing`, over `records`.

    Each change is one audited transaction.
    """
