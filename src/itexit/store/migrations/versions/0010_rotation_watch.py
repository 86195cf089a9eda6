"""rotation watch: the re-tests of old secrets after a rotation, and each case's watch period

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_checks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column("old_outcome", sa.String(length=16), nullable=False),
        sa.Column("new_outcome", sa.String(length=16), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("doc", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_watch_checks_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_checks")),
    )
    with op.batch_alter_table("watch_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watch_checks_credential_id"), ["credential_id"], unique=False
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("watch_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("watch_days")
    with op.batch_alter_table("watch_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_checks_credential_id"))
    op.drop_table("watch_checks")
