"""SQLAlchemy 2 typed tables. Plaintext is limited to what must be listed or queried."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """Optimistic concurrency: the application sets the next version, the UPDATE checks the old."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        table = cls.__table__  # type: ignore[attr-defined]
        return {"version_id_col": table.c.version, "version_id_generator": False}


class Encrypted(Versioned):
    """A row whose private fields live in one AEAD document bound to its address."""

    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    doc: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    #: plaintext columns bound into the AAD, so relabelling them in SQL breaks decryption
    LABELS: ClassVar[tuple[str, ...]] = ()
    #: plaintext columns sealed inside the document and compared with the row when it is
    #: opened, so an edit in SQL is refused (columns added here need no re-encryption)
    BOUND: ClassVar[tuple[str, ...]] = ()
    #: plain columns covered by the row's `bound_tag` (a keyed tag checked without opening
    #: the document); only models with a `bound_tag` column name any
    TAGGED: ClassVar[tuple[str, ...]] = ()


class VaultMeta(Base, Versioned):
    __tablename__ = "vault_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vault_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    practice_name: Mapped[str] = mapped_column(String(200), nullable=False)
    format_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recovery_box_public: Mapped[bytes | None] = mapped_column(LargeBinary)
    recovery_sign_public: Mapped[bytes | None] = mapped_column(LargeBinary)


class User(Base, Versioned):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    box_public: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sign_public: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    wrapped_keys: Mapped[bytes | None] = mapped_column(LargeBinary)
    kdf_memory_kib: Mapped[int] = mapped_column(Integer, nullable=False)
    kdf_time_cost: Mapped[int] = mapped_column(Integer, nullable=False)
    kdf_parallelism: Mapped[int] = mapped_column(Integer, nullable=False)
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    full_name: Mapped[str] = mapped_column(
        String(120), nullable=False, default="", server_default=""
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="", server_default="")


class KeySlot(Base):
    """A scope key of one epoch sealed (HPKE) to one holder: a user or the recovery kit."""

    __tablename__ = "key_slots"
    __table_args__ = (UniqueConstraint("scope", "epoch", "holder", name="uq_key_slots_holder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    holder: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AuditRow(Base):
    """Hash-chained and signed; `details` never holds a secret, only keyed fingerprints."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(36), nullable=False)
    actor_name: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    target: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    signer_key: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    signature: Mapped[str] = mapped_column(String(128), nullable=False, default="")


class Credential(Base, Encrypted):
    """A system the departing person could reach; username, notes and the like are encrypted."""

    __tablename__ = "credentials"
    LABELS = ("system", "category")
    BOUND = ("host", "port", "verifier", "status", "rotation_due", "known_to_departing")
    TAGGED = (
        "system",
        "category",
        "host",
        "port",
        "verifier",
        "status",
        "known_to_departing",
        "rotation_due",
        "rotation_reason",
        "recovery_tied",
        "source",
        "rotated_at",
        "retired_at",
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    system: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="other")
    status: Mapped[str] = mapped_column(String(24), nullable=False, default="unverified")
    known_to_departing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(24), nullable=False, default="handed_over")
    rotation_due: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rotation_reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    verifier: Mapped[str] = mapped_column(String(24), nullable=False, default="manual")
    last_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    port: Mapped[int | None] = mapped_column(Integer)
    recovery_tied: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    """The departing person is a recovery channel on the account (the channel itself is sealed)."""
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    policy: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    """The password policy as JSON (lengths and character sets, nothing secret); "" = default."""
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    """When the credential left the active list (the system is gone); its history is kept."""
    bound_tag: Mapped[str] = mapped_column(
        String(64), nullable=False, default="", server_default=""
    )
    """A keyed tag over the row's place, version and `TAGGED` columns (see `vault.binding`)."""


class SecretVersion(Base, Encrypted):
    """One secret of a credential; at most one PENDING and exactly one CURRENT per credential."""

    __tablename__ = "secret_versions"
    LABELS = ("credential_id", "stage")
    # Partial on both backends, as migration 0001 creates it.
    __table_args__ = (
        Index(
            "uq_secret_versions_live_stage",
            "credential_id",
            "stage",
            unique=True,
            sqlite_where=text("stage IN ('current', 'pending')"),
            postgresql_where=text("stage IN ('current', 'pending')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("credentials.id", ondelete="CASCADE"), nullable=False, index=True
    )
    stage: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RosterEntry(Base):
    """One signed change to the member list (who, which role, which keys, which key epoch)."""

    __tablename__ = "roster_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    signature: Mapped[str] = mapped_column(String(128), nullable=False)
    kit_signature: Mapped[str] = mapped_column(String(128), nullable=False, default="")
