"""The command palette: every action of the current screen, then the app's global ones, and
the exit statement, which otherwise takes three keys to reach (F4, Enter, s)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from itexit.domain.roles import Permission
from itexit.screens.base import ScreenAction, screen_actions

if TYPE_CHECKING:
    from itexit.services.session import UnlockedVault

STATEMENT = "Exit statement"
STATEMENT_HELP = (
    "The exit statement of the case open now, or of the only open case: the property to hand "
    "back and its signing; with several cases, the list of cases to choose from"
)


class ScreenCommands(Provider):
    """Offers the bindings of the screen the palette was opened from, so nothing is key-only."""

    def _actions(self) -> list[ScreenAction]:
        return screen_actions(self.screen)

    def _run(self, action: ScreenAction) -> Callable[[], Awaitable[bool]]:
        return partial(self.app.run_action, action.action, action.node)

    @staticmethod
    def _help(action: ScreenAction) -> str:
        return f"{action.tooltip}  ·  key: {action.key}"

    def _session(self) -> UnlockedVault | None:
        """The unlocked vault, unless nothing may leave the screen shown (the recovery kit)."""
        session: UnlockedVault | None = getattr(self.app, "session", None)
        if session is None or self.app.check_action("show_area", ("checklist",)) is False:
            return None
        return session if session.can(Permission.CASE_READ) else None

    async def _open_statement(self) -> None:
        from itexit.screens.cases.detail import CaseDetailScreen
        from itexit.screens.cases.statement import StatementScreen

        session = self._session()
        if session is None or isinstance(self.screen, StatementScreen):
            return
        shown = [s for s in self.app.screen_stack if isinstance(s, CaseDetailScreen)]
        case_id = shown[-1].case_id if shown else None
        if case_id is None:
            open_cases = session.cases.list(include_closed=False)
            case_id = open_cases[0].id if len(open_cases) == 1 else None
        if case_id is None:
            await self.app.run_action("show_area('checklist')")
        else:
            self.app.push_screen(StatementScreen(session, case_id))

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.description, self._run(action), help=self._help(action))
        if self._session() is not None:
            yield DiscoveryHit(STATEMENT, self._open_statement, help=STATEMENT_HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            text = f"{action.description} {action.tooltip}"
            score = max(matcher.match(action.description), matcher.match(text) * 0.8)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.description),
                    self._run(action),
                    help=self._help(action),
                )
        if self._session() is not None:
            score = max(
                matcher.match(STATEMENT), matcher.match(f"{STATEMENT} {STATEMENT_HELP}") * 0.8
            )
            if score > 0:
                yield Hit(
                    score, matcher.highlight(STATEMENT), self._open_statement, help=STATEMENT_HELP
                )
