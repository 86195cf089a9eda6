"""credential_inventory (inventory area)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("port", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "recovery_tied", sa.Boolean(), nullable=False, server_default=sa.text("false")
            )
        )
        batch_op.add_column(sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("locked_out_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("policy", sa.Text(), nullable=False, server_default=""))

    op.create_table(
        "credential_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_after", sa.String(length=24), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("doc", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_credential_events_credential_id_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_events")),
    )
    with op.batch_alter_table("credential_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_events_credential_id"), ["credential_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credential_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_events_credential_id"))
    op.drop_table("credential_events")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("policy")
        batch_op.drop_column("locked_out_at")
        batch_op.drop_column("rotated_at")
        batch_op.drop_column("recovery_tied")
        batch_op.drop_column("port")
