"""exit_statements (statements area)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _sealed() -> list[sa.Column[object]]:
    """The columns of the `Encrypted` mixin, after the table's own."""
    return [
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("doc", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "exit_statements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_sealed(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_exit_statements_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exit_statements")),
        sa.UniqueConstraint("case_id", name=op.f("uq_exit_statements_case_id")),
    )
    op.create_table(
        "handover_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key_epoch", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signer_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_sealed(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_keys")),
        sa.UniqueConstraint("key_epoch", name=op.f("uq_handover_keys_key_epoch")),
    )
    op.create_table(
        "handover_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["handover_keys.id"], name=op.f("fk_handover_entries_key_id_handover_keys")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["exit_statements.id"],
            name=op.f("fk_handover_entries_statement_id_exit_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_entries")),
    )
    op.create_index(
        op.f("ix_handover_entries_key_id"), "handover_entries", ["key_id"], unique=False
    )
    op.create_index(
        op.f("ix_handover_entries_statement_id"),
        "handover_entries",
        ["statement_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_handover_entries_statement_id"), table_name="handover_entries")
    op.drop_index(op.f("ix_handover_entries_key_id"), table_name="handover_entries")
    op.drop_table("handover_entries")
    op.drop_table("handover_keys")
    op.drop_table("exit_statements")
