"""The command palette: every action of the current screen, then the app's global ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from itexit.screens.base import ScreenAction, screen_actions


class ScreenCommands(Provider):
    """Offers the bindings of the screen the palette was opened from, so nothing is key-only."""

    def _actions(self) -> list[ScreenAction]:
        return screen_actions(self.screen)

    def _run(self, action: ScreenAction) -> Callable[[], Awaitable[bool]]:
        return partial(self.app.run_action, action.action, action.node)

    @staticmethod
    def _help(action: ScreenAction) -> str:
        return f"{action.tooltip}  ·  key: {action.key}"

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.description, self._run(action), help=self._help(action))

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
