"""A passphrase typed twice, with a live strength meter and plain messages under each field."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from itexit.widgets.strength import StrengthMeter


class PassphraseFields(Vertical):
    """Two password inputs and a meter; `ready` once the passphrase is strong and matches."""

    DEFAULT_CSS = """
    PassphraseFields {
        height: auto;
        width: 1fr;
    }
    PassphraseFields > Label {
        padding: 0 1;
        color: $text-muted;
    }
    PassphraseFields > Label.-repeat {
        margin-top: 1;
    }
    PassphraseFields > .field-message {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    PassphraseFields > .field-message.-problem {
        color: $text-error;
    }
    PassphraseFields > .field-message.-fine {
        color: $text-success;
    }
    """

    @dataclass
    class Changed(Message):
        """Either field changed; `ready` says whether the passphrase can be used."""

        fields: PassphraseFields
        ready: bool

        @property
        def control(self) -> PassphraseFields:
            return self.fields

    def __init__(
        self,
        label: str = "Passphrase",
        user_inputs: tuple[str, ...] = (),
        *,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._label = label
        self._user_inputs = user_inputs

    def compose(self) -> ComposeResult:
        yield Label(self._label)
        yield Input(
            password=True,
            placeholder="A few unrelated words, 12 characters or more",
            id="passphrase",
        )
        yield StrengthMeter(self._user_inputs)
        yield Label("Type it again", classes="-repeat")
        yield Input(password=True, placeholder="The same passphrase", id="repeat")
        yield Static("", id="match", classes="field-message")

    @property
    def value(self) -> str:
        """The passphrase as typed in the first field."""
        return self.query_one("#passphrase", Input).value

    @property
    def ready(self) -> bool:
        """Strong enough and typed the same twice."""
        return self.problem is None

    @property
    def problem(self) -> str | None:
        """The first reason the passphrase cannot be used yet, in one sentence."""
        meter = self.query_one(StrengthMeter)
        if not meter.result.acceptable:
            return "The passphrase is not strong enough yet."
        if self.query_one("#repeat", Input).value != self.value:
            return "The two passphrases do not match."
        return None

    def set_user_inputs(self, user_inputs: tuple[str, ...]) -> None:
        """Words the passphrase should not lean on (names), re-measured immediately."""
        meter = self.query_one(StrengthMeter)
        meter.user_inputs = user_inputs
        meter.passphrase = self.value

    def clear(self) -> None:
        """Forget both fields, for example after a failed attempt."""
        for field in self.query(Input):
            field.value = ""

    @on(Input.Changed)
    def _measure(self, event: Input.Changed) -> None:
        event.stop()
        passphrase = self.value
        self.query_one(StrengthMeter).passphrase = passphrase
        repeated = self.query_one("#repeat", Input).value
        match = self.query_one("#match", Static)
        if not repeated:
            match.update("")
            match.set_classes("field-message")
        elif repeated == passphrase:
            match.update("✓ The passphrases match.")
            match.set_classes("field-message -fine")
        elif passphrase.startswith(repeated):
            match.update("")
            match.set_classes("field-message")
        else:
            match.update("The two passphrases do not match.")
            match.set_classes("field-message -problem")
        self.post_message(self.Changed(self, self.ready))

    @on(Input.Submitted, "#passphrase")
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#repeat", Input).focus()
