"""sweep findings and the departing person's identifiers (sweep area)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def _encrypted_columns() -> list[sa.Column[object]]:
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
        "sweep_findings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("ident", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        *_encrypted_columns(),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_sweep_findings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_findings")),
        sa.UniqueConstraint("case_id", "ident", name="uq_sweep_findings_case_ident"),
    )
    op.create_index(op.f("ix_sweep_findings_case_id"), "sweep_findings", ["case_id"], unique=False)
    op.create_table(
        "sweep_identities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        *_encrypted_columns(),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_sweep_identities_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_identities")),
        sa.UniqueConstraint("case_id", name=op.f("uq_sweep_identities_case_id")),
    )


def downgrade() -> None:
    op.drop_table("sweep_identities")
    op.drop_index(op.f("ix_sweep_findings_case_id"), table_name="sweep_findings")
    op.drop_table("sweep_findings")
