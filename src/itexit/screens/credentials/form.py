"""Add or edit a credential, with every setting its check needs, shown for the kind chosen.

A server address typed in (``postgresql://…?sslmode=disable``, ``imaps://…``, ``ssh://user@host``)
fills in the kind of check, host, port, encryption, database and user name. The form saves
through the service itself and stays open, with what was typed, when the save is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pydantic import SecretStr, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from itexit.domain.credentials import (
    CATEGORY_LABELS,
    Category,
    CredentialDetail,
    CredentialEdit,
    CredentialSummary,
    NewCredential,
    clean_recovery_phone,
)
from itexit.domain.errors import BadInput, ItexitError
from itexit.domain.models import clean_email
from itexit.domain.server_url import clean_host_key, read_server_url
from itexit.screens.base import ItexitModal
from itexit.widgets.tick import TickBox

KINDS: tuple[tuple[str, str], ...] = (
    ("manual", "A person logs in and says how"),
    ("imap", "Mail server login (IMAP)"),
    ("smtp", "Mail sending login (SMTP)"),
    ("ssh", "Server login (SSH)"),
    ("http", "Web page password prompt (HTTP)"),
    ("postgresql", "PostgreSQL database"),
    ("mariadb", "MariaDB or MySQL database"),
    ("ldap", "Directory login (LDAP, Active Directory)"),
)
"""Every kind of check, as the form names it."""

VERIFIERS = tuple(kind for kind, _ in KINDS)

ENCRYPTION = {
    "tls": "Encrypted; check the server's certificate",
    "starttls": "Encrypted after connecting (STARTTLS); check the certificate",
    "none": "Not encrypted (only on a network you trust)",
}
_MODES = {
    "imap": ("tls", "starttls", "none"),
    "smtp": ("tls", "starttls", "none"),
    "ldap": ("tls", "starttls", "none"),
    "http": ("tls", "none"),
    "postgresql": ("tls", "none"),
    "mariadb": ("tls", "none"),
}
"""The encryption choices each kind offers; SSH is always encrypted, so it has none."""

DEFAULT_PORTS = {
    "imap": {"tls": 993, "starttls": 143, "none": 143},
    "smtp": {"tls": 465, "starttls": 587, "none": 25},
    "ssh": {"tls": 22},
    "http": {"tls": 443, "none": 80},
    "postgresql": {"tls": 5432, "none": 5432},
    "mariadb": {"tls": 3306, "none": 3306},
    "ldap": {"tls": 636, "starttls": 389, "none": 389},
}

PATH_LABELS = {
    "postgresql": ("Database name", "empty: postgres"),
    "http": ("Page to check (its path)", "e.g. /admin"),
    "ldap": ("Login name pattern (bind DN)", "e.g. uid={username},ou=people,dc=example,dc=org"),
}


@dataclass
class FormResult:
    """What the form returns: a new credential, or an edit of an existing one, and once saved
    through the form's own save function, the credential as stored."""

    new: NewCredential | None = None
    edit: CredentialEdit | None = None
    expected_version: int | None = None
    credential_id: str | None = None
    saved: CredentialSummary | None = None
    sweep_admin: bool | None = None
    """The sweep's admin-account mark when the form changed it; saved after the credential."""


Submit = Callable[[FormResult], CredentialSummary]


class CredentialFormModal(ItexitModal[FormResult]):
    """Add a credential, or edit one (the secret is left alone unless a new one is typed)."""

    CSS_PATH = "cred_modals.tcss"
    HELP = (
        "Describe the system; the secret, user name and notes are encrypted. Choose how it is "
        "checked: a server address such as postgresql://db.example/practice?sslmode=disable, "
        "imaps://mail.example or ssh://admin@host:2222 fills in the settings. Ctrl+S saves."
    )

    def __init__(
        self,
        existing: CredentialDetail | None = None,
        submit: Submit | None = None,
        sweep_choice: bool = False,
    ):
        super().__init__()
        self._existing = existing
        self._sweep_choice = sweep_choice
        """Managers and the IT consultant choose the admin accounts the sweep uses."""
        self._submit = submit
        self._url_read = (existing.url or existing.summary.host) if existing else ""
        """The address last read for settings: the stored one is not read again on opening."""

    def compose(self) -> ComposeResult:
        e = self._existing
        s = e.summary if e else None
        options = e.endpoint_options if e else {}
        kind = s.verifier if s and s.verifier in VERIFIERS else "manual"
        with Vertical(id="cred-form", classes="dialog"):
            yield Static("Edit credential" if e else "Add a credential", classes="dialog-title")
            with VerticalScroll(id="cred-form-fields"):
                yield Label("System")
                yield Input(s.system if s else "", id="cf-system", placeholder="e.g. EHR admin")
                yield Label("Web or server address")
                yield Input(
                    (e.url or s.host) if e and s else "",
                    id="cf-url",
                    placeholder="e.g. https://portal.example or postgresql://db.example/ehr",
                )
                yield Static("", id="cf-url-message", classes="field-message")
                yield Label("Category")
                yield Select(
                    [(CATEGORY_LABELS[c], c.value) for c in Category],
                    value=s.category.value if s else Category.OTHER.value,
                    allow_blank=False,
                    id="cf-category",
                )
                yield Label("User name")
                yield Input(e.username if e else "", id="cf-username")
                yield Label("Secret" + (" (leave empty to keep it)" if e else ""))
                yield Input("", id="cf-secret", password=True)
                yield Label("How is it checked?")
                yield Select(
                    [(label, value) for value, label in KINDS],
                    value=kind,
                    allow_blank=False,
                    id="cf-verifier",
                )
                with Vertical(id="cf-connection"):
                    yield Label("Server (host name or address)")
                    yield Input(s.host if s else "", id="cf-host", placeholder="e.g. db.example")
                    yield Label("Port", id="cf-port-label")
                    yield Input(
                        str(s.port) if s and s.port else "",
                        id="cf-port",
                        restrict=r"\d{0,5}",
                    )
                    yield Label("Encryption", id="cf-tls-label")
                    yield Select(
                        [(label, value) for value, label in ENCRYPTION.items()],
                        value=e.tls if e and e.tls in ENCRYPTION else "tls",
                        allow_blank=False,
                        id="cf-tls",
                    )
                    yield Label("Database name", id="cf-path-label")
                    yield Input(e.path if e else "", id="cf-path")
                    yield Label("The server's key fingerprint (SHA256:…)", id="cf-host-key-label")
                    yield Input(
                        options.get("host_key", ""),
                        id="cf-host-key",
                        placeholder="confirmed with the server's administrator",
                    )
                    yield Label(
                        "The practice's own certificate authority file (optional)",
                        id="cf-ca-file-label",
                    )
                    yield Input(
                        options.get("ca_file", ""),
                        id="cf-ca-file",
                        placeholder="e.g. /etc/ssl/practice-ca.pem",
                    )
                yield TickBox(
                    "Known to the departing person",
                    value=s.known_to_departing if s else True,
                    id="cf-known",
                )
                if self._sweep_choice:
                    yield TickBox(
                        "An admin account the sweep uses",
                        value=bool(e and e.sweep_admin),
                        id="cf-sweep-admin",
                        tooltip="The sweep logs in with it to look for leftover access on its "
                        "host (SSH, mail, database, directory).",
                    )
                yield Label("Departing person's recovery email on the account")
                yield Input(e.recovery_email if e else "", id="cf-recovery-email")
                yield Label("Their recovery phone on the account")
                yield Input(e.recovery_phone if e else "", id="cf-recovery-phone")
                yield Label("Their MFA device (e.g. Gary's phone)")
                yield Input(e.recovery_mfa_device if e else "", id="cf-mfa-device")
                yield Label("Notes")
                yield TextArea(e.notes if e else "", id="cf-notes", soft_wrap=True)
            yield Static("", id="cf-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Static("Ctrl+S saves · Esc cancels", classes="keys-hint")
                yield Button("Save", variant="primary", id="cf-save")
                yield Button("Cancel", id="cf-cancel")

    def on_mount(self) -> None:
        self._show_kind(str(self.query_one("#cf-verifier", Select).value))
        self.query_one("#cf-system", Input).focus()

    # --- what is shown for the kind chosen ----------------------------------------------------

    def _show_kind(self, kind: str) -> None:
        self.query_one("#cf-connection").display = kind != "manual"
        modes = _MODES.get(kind, ())
        tls = self.query_one("#cf-tls", Select)
        current = str(tls.value)
        tls.set_options([(ENCRYPTION[m], m) for m in modes or ("tls",)])
        tls.value = current if current in modes else "tls"
        for name, shown in (
            ("tls", bool(modes)),
            ("path", kind in PATH_LABELS),
            ("host-key", kind == "ssh"),
            ("ca-file", bool(modes) and kind != "ssh"),
        ):
            self.query_one(f"#cf-{name}").display = shown
            self.query_one(f"#cf-{name}-label").display = shown
        if kind in PATH_LABELS:
            label, hint = PATH_LABELS[kind]
            self.query_one("#cf-path-label", Label).update(label)
            self.query_one("#cf-path", Input).placeholder = hint
        self._port_hint()

    def _port_hint(self) -> None:
        kind = str(self.query_one("#cf-verifier", Select).value)
        ports = DEFAULT_PORTS.get(kind, {})
        port = ports.get(str(self.query_one("#cf-tls", Select).value), ports.get("tls"))
        self.query_one("#cf-port", Input).placeholder = f"empty: {port}" if port else ""

    @on(Select.Changed, "#cf-verifier")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(str(event.value))

    @on(Select.Changed, "#cf-tls")
    def _tls_changed(self) -> None:
        self._port_hint()

    @on(Input.Changed, "#cf-url")
    def _url_changed(self, event: Input.Changed) -> None:
        """A server address fills in the check's settings as it is typed."""
        if event.value == self._url_read:
            return
        self._url_read = event.value
        message = self.query_one("#cf-url-message", Static)
        try:
            found = read_server_url(event.value)
        except BadInput:
            message.update("")  # said on saving: the address may still be half typed
            return
        if found is None:
            message.update("")
            return
        self.query_one("#cf-verifier", Select).value = found.verifier
        self._show_kind(found.verifier)
        self.query_one("#cf-host", Input).value = found.host
        self.query_one("#cf-port", Input).value = str(found.port) if found.port else ""
        self.query_one("#cf-tls", Select).value = found.tls
        if found.path or found.verifier == "postgresql":
            self.query_one("#cf-path", Input).value = found.path
        if found.username:
            self.query_one("#cf-username", Input).value = found.username
        label = dict(KINDS)[found.verifier]
        message.update(f"Read from the address: {label}; {ENCRYPTION[found.tls].lower()}.")

    # --- saving ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#cf-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _refuse(self, sentence: str, field: str | None = None) -> None:
        self.query_one("#cf-error", Static).update(sentence)
        if field is not None:
            widget = self.query_one(field)
            widget.focus()
            self.query_one("#cred-form-fields", VerticalScroll).scroll_to_widget(widget)

    @on(Input.Submitted)
    @on(Button.Pressed, "#cf-save")
    def _save(self) -> None:
        try:
            result = self._result()
        except _Refused as refused:
            self._refuse(refused.sentence, refused.field)
            return
        if self._submit is None:
            self.dismiss(result)
            return
        self.query_one("#cf-save", Button).disabled = True
        self.query_one("#cf-error", Static).update("Saving…")
        self.in_background(
            partial(self._store, self._submit, result),
            partial(self._stored, result),
            group="cred-form-save",
        )

    @staticmethod
    def _store(submit: Submit, result: FormResult) -> str | None:
        """Save through the form's own function; what the service refused, or None."""
        try:
            result.saved = submit(result)
        except ItexitError as exc:
            return str(exc)
        return None

    def _stored(self, result: FormResult, refusal: str | None) -> None:
        if refusal is None:
            self.dismiss(result)
            return
        self.query_one("#cf-save", Button).disabled = False
        self._refuse(refusal)

    def _result(self) -> FormResult:
        def value(selector: str) -> str:
            return self.query_one(selector, Input).value

        system = value("#cf-system").strip()
        if not system:
            raise _Refused("Name the system this credential opens.", "#cf-system")
        url = value("#cf-url").strip()
        try:
            read_server_url(url)
        except BadInput as exc:
            raise _Refused(str(exc), "#cf-url") from None
        kind = str(self.query_one("#cf-verifier", Select).value)
        checked = kind != "manual"
        host = value("#cf-host").strip() if checked else ""
        port_text = value("#cf-port").strip() if checked else ""
        port = int(port_text) if port_text.isdigit() else None
        if port is not None and not 0 < port < 65536:
            raise _Refused("The port is a number from 1 to 65535.", "#cf-port")
        if checked and not (host or url):
            raise _Refused(
                "Give the server's host name, or choose 'A person logs in and says how'.",
                "#cf-host",
            )
        options = dict(self._existing.endpoint_options) if self._existing else {}
        options.pop("host_key", None)
        options.pop("ca_file", None)
        if kind == "ssh":
            try:
                key = clean_host_key(value("#cf-host-key"))
            except BadInput as exc:
                raise _Refused(str(exc), "#cf-host-key") from None
            if key:
                options["host_key"] = key
        elif kind in _MODES and value("#cf-ca-file").strip():
            ca_file = Path(value("#cf-ca-file").strip()).expanduser()
            if not ca_file.is_file():
                raise _Refused(f"There is no file at {ca_file}.", "#cf-ca-file")
            options["ca_file"] = str(ca_file.resolve())
        tls = str(self.query_one("#cf-tls", Select).value) if kind in _MODES else "tls"
        path = value("#cf-path").strip() if kind in PATH_LABELS else ""
        try:
            channels = {
                "recovery_email": clean_email(value("#cf-recovery-email")),
                "recovery_phone": clean_recovery_phone(value("#cf-recovery-phone")),
                "recovery_mfa_device": value("#cf-mfa-device").strip(),
            }
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        fields: dict[str, object] = {
            "system": system,
            "url": url,
            "category": Category(str(self.query_one("#cf-category", Select).value)),
            "username": value("#cf-username"),
            "notes": self.query_one("#cf-notes", TextArea).text,
            "known_to_departing": self.query_one("#cf-known", Checkbox).value,
            "verifier": kind,
            "tls": tls,
            "path": path,
            "endpoint_options": options,
            **channels,
        }
        if checked or self._existing is None:
            fields |= {"host": host, "port": port}  # a person's check leaves the host alone
        secret = value("#cf-secret")
        sweep_admin: bool | None = None
        if self._sweep_choice:
            chosen = self.query_one("#cf-sweep-admin", Checkbox).value
            if chosen != bool(self._existing and self._existing.sweep_admin):
                sweep_admin = chosen
        try:
            if self._existing is None:
                return FormResult(
                    new=NewCredential.model_validate(fields | {"secret": SecretStr(secret)}),
                    sweep_admin=sweep_admin,
                )
            return FormResult(
                edit=CredentialEdit.model_validate(
                    fields | {"secret": SecretStr(secret) if secret else None}
                ),
                expected_version=self._existing.summary.version,
                credential_id=self._existing.summary.id,
                sweep_admin=sweep_admin,
            )
        except ValidationError as exc:
            raise _Refused(str(exc.errors()[0]["msg"])) from None


class _Refused(Exception):
    def __init__(self, sentence: str, field: str | None = None) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.field = field
