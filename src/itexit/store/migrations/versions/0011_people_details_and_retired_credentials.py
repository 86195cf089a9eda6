"""people_details_and_retired_credentials (users, inventory)

Users get a full name and an e-mail address (plain: shown to everyone who lists users, and what
a departing person's vault account is matched by); a credential can be retired, keeping its
history and audit record while it leaves the active list.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("full_name", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_credentials_retired_at", ["retired_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_credentials_retired_at")
        batch_op.drop_column("retired_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
        batch_op.drop_column("full_name")
