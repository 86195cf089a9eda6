"""Parse each stylesheet once per test process rather than once per app run.

Textual keeps what it parsed in the stylesheet of one app, and starts from an empty one each time
it re-reads its sources (a screen with its own stylesheet is shown, the theme is set): every app a
test starts parses the app's and every widget's stylesheet again, several times over. Parsing
depends only on the text, where it came from and the theme's variables, so the rules parsed once
serve every later app of the same process. Only the tests share them; the app itself is unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

_parsed: dict[Hashable, list[RuleSet]] = {}


def share_parsed_css() -> None:
    """Make every stylesheet of this process reuse rules parsed by any other (idempotent)."""
    parse_rules = Stylesheet._parse_rules
    if getattr(parse_rules, "shared", False):
        return

    def shared_parse_rules(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        variables = tuple(sorted(self._variables.items()))
        key = (variables, css, read_from, is_default_rules, tie_breaker, scope)
        try:
            return _parsed[key]
        except KeyError:
            pass
        rules = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        _parsed[key] = rules
        return rules

    shared_parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = shared_parse_rules  # type: ignore[method-assign]
