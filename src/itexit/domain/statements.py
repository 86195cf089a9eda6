"""The HR exit statement: its template, clauses, property list, listed passwords and signing."""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import ConfigDict, Field, SecretStr, ValidationError, field_validator

from itexit.domain.base import Model
from itexit.domain.errors import BadInput
from itexit.domain.wording import agree

TEMPLATE_FILE = Path(__file__).resolve().parent.parent / "data" / "exit_statement.toml"
"""The statement template shipped with itexit."""

DATE_TEXT = "%d %B %Y"
PLACEHOLDERS = ("practice", "person", "termination_date")


class Frozen(Model):
    model_config = ConfigDict(frozen=True)


class StatementStatus(StrEnum):
    """Drafted until printed; printed text changed → drafted again; signed is final."""

    DRAFTED = "drafted"
    PRINTED = "printed"
    SIGNED = "signed"


class PropertyState(StrEnum):
    RETURNED = "returned"
    OUTSTANDING = "outstanding"


# --- the template --------------------------------------------------------------------------


class ClauseTemplate(Frozen):
    key: str = Field(min_length=1, pattern=r"^[a-z_]+$")
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)


class PracticeTextTemplate(Frozen):
    title: str = Field(min_length=1)
    default: str = ""


REQUIRED_CLAUSES = ("obligations", "property", "access", "passwords", "personal_information")


class StatementTemplate(Frozen):
    """The wording of the statement, from `data/exit_statement.toml`."""

    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    intro: str = ""
    clauses: list[ClauseTemplate]
    practice_text: PracticeTextTemplate

    @field_validator("clauses")
    @classmethod
    def _every_clause(cls, clauses: list[ClauseTemplate]) -> list[ClauseTemplate]:
        keys = [clause.key for clause in clauses]
        missing = [key for key in REQUIRED_CLAUSES if key not in keys]
        if missing:
            raise ValueError(
                f"the statement lacks the {agree(len(missing), 'clause')} {', '.join(missing)}"
            )
        if len(set(keys)) != len(keys):
            raise ValueError("two clauses share a key")
        return clauses


def load_template(path: Path = TEMPLATE_FILE) -> StatementTemplate:
    """Read and check the statement template; a bad file is one clear sentence."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"Cannot read the statement template {path}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"The statement template {path} is not valid TOML: {exc}.") from None
    try:
        return StatementTemplate.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInput(
            f"The statement template {path} is wrong at {where}: {first['msg']}."
        ) from None


def fill(text: str, values: dict[str, str]) -> str:
    """Put the practice, person and date into a clause; unknown braces are left as written."""
    out = text
    for name in PLACEHOLDERS:
        out = out.replace("{" + name + "}", values.get(name, ""))
    return out


# --- what a statement holds --------------------------------------------------------------


class Clause(Frozen):
    key: str
    title: str
    text: str


class PropertyItem(Frozen):
    id: str
    name: str
    state: PropertyState
    returned_on: date | None = None
    received_by: str = ""
    """Who took the item back; recorded when it came back after the signing."""
    after_signing: bool = False
    """Returned after the statement was signed: the signed text still lists it outstanding."""

    @property
    def signed_state(self) -> PropertyState:
        """The state as it stood on the signed statement."""
        return PropertyState.OUTSTANDING if self.after_signing else self.state


class ListedPassword(Frozen):
    """A password the person listed: the secret went sealed to the credential inventory."""

    id: str
    system: str
    username: str = ""
    recorded_on: date
    recorded_by: str
    in_inventory: bool = False
    """True once a manager or the IT consultant opened the vault and it became a credential."""


class SignedCopy(Frozen):
    blob_id: str
    sha256: str
    filename: str
    size: int


class Signing(Frozen):
    signed_on: date
    signatory: str
    witness: str
    signed_copy: SignedCopy
    recorded_at: datetime
    recorded_by: str
    text_sha256: str
    """SHA-256 of the exact statement text that was printed and signed."""


class PrintedVersion(Frozen):
    printed_at: datetime
    printed_by: str
    pdf_sha256: str
    text_sha256: str


class StatementListing(Frozen):
    """What anyone who may read cases sees: that a statement exists and its status."""

    id: str
    case_id: str
    case_name: str
    status: StatementStatus
    updated_at: datetime
    signed_on: date | None = None
    """Filled only for HR and managers."""
    outstanding: int | None = None
    """Property still outstanding; filled only for HR and managers."""


class Statement(Frozen):
    """The whole statement, as HR and managers see it (never a password)."""

    id: str
    case_id: str
    case_name: str
    termination_date: date | None
    practice: str
    status: StatementStatus
    person: str
    job_title: str
    title: str
    intro: str
    clauses: list[Clause]
    practice_text_title: str
    practice_text: str
    personal_return: str
    """What the practice agreed to give back (contacts, personal files…)."""
    template_version: int
    property_items: list[PropertyItem]
    passwords: list[ListedPassword]
    printed: PrintedVersion | None = None
    signing: Signing | None = None
    version: int
    updated_at: datetime
    updated_by: str

    @property
    def read_only(self) -> bool:
        return self.status is StatementStatus.SIGNED

    @property
    def outstanding(self) -> list[PropertyItem]:
        return [item for item in self.property_items if item.state is PropertyState.OUTSTANDING]

    def text(self) -> str:
        """The statement's words as printed; its hash is what the signing record keeps."""
        parts = [self.title, self.practice, self.person, self.job_title, self.intro]
        for clause in self.clauses:
            parts += [clause.title, clause.text]
        parts += [self.practice_text_title, self.practice_text, self.personal_return]
        return "\n".join(parts)

    def text_sha256(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()


# --- what HR types ---------------------------------------------------------------------


class StatementEdit(Frozen):
    """The parts HR may change while the statement is not signed; None leaves a part as is."""

    person: str | None = None
    job_title: str | None = None
    practice_text: str | None = None
    personal_return: str | None = None


class NewListedPassword(Model):
    """A password the departing person lists; the secret stays a SecretStr until sealed."""

    system: str
    username: str = ""
    secret: SecretStr
    note: str = ""


class LateReturn(Model):
    """An item handed back after the statement was signed."""

    returned_on: date
    received_by: str = ""
    """Defaults to the person recording it."""


class NewSigning(Model):
    signed_on: date
    witness: str
    signatory: str = ""
    """Defaults to the person named on the statement."""
    copy_filename: str
    copy_bytes: bytes = Field(repr=False)


class PrintResult(Frozen):
    path: str
    sha256: str
    pages: int
