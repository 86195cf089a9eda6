"""people_and_exposures (the departing person of each case; accepted risks)

Revision ID: 0008
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0012"
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
        "people",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_encrypted_columns(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_people_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("case_id", name=op.f("uq_people_case_id")),
    )
    op.create_index(op.f("ix_people_user_id"), "people", ["user_id"], unique=False)
    op.create_table(
        "exposure_acceptances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exposure_id", sa.String(length=16), nullable=False),
        sa.Column("accepted_by", sa.String(length=80), nullable=False),
        sa.Column("until", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *_encrypted_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exposure_acceptances")),
    )
    op.create_index(
        op.f("ix_exposure_acceptances_exposure_id"),
        "exposure_acceptances",
        ["exposure_id"],
        unique=False,
    )

    # the exposure ledger counts unhandled renewal notices from the index alone
    op.create_index(
        "ix_mail_messages_class", "mail_messages", ["msg_class", "mailbox_id", "id"], unique=False
    )
    op.create_index("ix_mail_actions_message", "mail_actions", ["message_id", "kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mail_actions_message", table_name="mail_actions")
    op.drop_index("ix_mail_messages_class", table_name="mail_messages")
    op.drop_index(op.f("ix_exposure_acceptances_exposure_id"), table_name="exposure_acceptances")
    op.drop_table("exposure_acceptances")
    op.drop_index(op.f("ix_people_user_id"), table_name="people")
    op.drop_table("people")
