"""A live meter of how hard a passphrase is to guess, with the one thing to do about it."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from itexit.services.passphrase import Strength, strength

_SEGMENTS = 4
_SEGMENT = "━━━━━━"


class StrengthMeter(Widget):
    """Shows the strength of `passphrase`; its owner sets the text and reads `result`."""

    DEFAULT_CSS = """
    StrengthMeter {
        height: 2;
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    """

    passphrase: reactive[str] = reactive("", always_update=True)
    """The text to measure; set it on every change of the passphrase input."""

    def __init__(
        self,
        user_inputs: tuple[str, ...] = (),
        *,
        id: str | None = None,  # noqa: A002 - Textual's own keyword
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.user_inputs = user_inputs
        self._result = strength("")

    @property
    def result(self) -> Strength:
        """The strength of the current passphrase."""
        return self._result

    def watch_passphrase(self, text: str) -> None:
        self._result = strength(text, self.user_inputs)
        self.set_class(self._result.acceptable, "-acceptable")

    def render(self) -> Content:
        result = self._result
        if result.acceptable:
            colour = "$text-success"
        elif result.score >= 2:
            colour = "$text-warning"
        else:
            colour = "$text-error"
        filled = max(1, result.score) if self.passphrase else 0
        bar = Content.assemble(
            *(
                (_SEGMENT + " ", colour if index < filled else "$panel-lighten-2")
                for index in range(_SEGMENTS)
            )
        )
        verdict = "strong enough" if result.acceptable else "not strong enough yet"
        headline = (
            Content.assemble(bar, (result.label, f"bold {colour}"), (f" · {verdict}", "dim"))
            if self.passphrase
            else Content.assemble(bar, ("No passphrase yet", "dim"))
        )
        return Content("\n").join([headline, Content(result.feedback)])
