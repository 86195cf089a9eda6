"""The mail classification rules: the shipped file, then the practice's own, in order."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from itexit.domain.errors import BadInput
from itexit.domain.mailbox import (
    MessageClass,
    MessageHeaders,
    Rule,
    RuleSpec,
    lowered_fields,
    parse_rules,
)

RULES_FILE = "mail_rules.toml"


@functools.cache
def shipped_rules() -> tuple[RuleSpec, ...]:
    """The rules in data/mail_rules.toml, parsed once per process."""
    text = resources.files("itexit.data").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return tuple(load_rules_text(text, origin="shipped"))


def load_rules_text(text: str, origin: str = "practice") -> list[RuleSpec]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"The mail rules are not valid TOML: {exc}.") from None
    return parse_rules(data, origin=origin)


class Classifier:
    """Practice rules first (they are the exceptions), then the shipped ones."""

    def __init__(self, practice: list[RuleSpec] | None = None) -> None:
        self.specs = [*(practice or []), *shipped_rules()]
        self.rules: list[Rule] = [spec.build() for spec in self.specs]

    def __call__(self, headers: MessageHeaders) -> MessageClass:
        lowered = lowered_fields(headers)
        for rule in self.rules:
            if rule.matches(headers, lowered):
                return rule.msg_class
        return MessageClass.OTHER

    def explain(self, headers: MessageHeaders) -> str:
        """The name of the rule that decided, for the detail panel."""
        for spec, rule in zip(self.specs, self.rules, strict=True):
            if rule.matches(headers):
                return f"{spec.name} ({spec.origin})"
        return "no rule matched"
