"""What every screen and modal shares: a help paragraph, work done off the screen's thread, and
worker failures sent to the app."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, NamedTuple, TypeVar

from textual import on
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button
from textual.worker import Worker, WorkerState, get_current_worker

ResultT = TypeVar("ResultT")
T = TypeVar("T")

DIALOG = "dialog"
"""The worker group of a screen's dialog flows: an async worker that awaits
`push_screen_wait(...)` and hands what was chosen to :func:`in_background`. Such a worker is
waiting on the person, not working, for as long as the dialog is open."""


@dataclass
class WorkFailed(Message):
    """A worker of a screen raised; the app shows one error modal for all of them."""

    error: BaseException


class ScreenAction(NamedTuple):
    """One thing the person can do on a screen, as listed in help and the command palette."""

    key: str
    description: str
    tooltip: str
    action: str
    node: DOMNode
    binding_id: str


def screen_actions(screen: Screen[Any]) -> list[ScreenAction]:
    """The enabled, named bindings of `screen` first, then the app's; one entry per binding id.

    Bindings marked `system` stay out of the list; a screen that has them offers friendlier
    entries through `ItexitScreen.extra_actions` instead (the dashboard names its tiles).
    """
    app = screen.app
    seen: set[str] = set()
    own: list[ScreenAction] = screen.extra_actions() if isinstance(screen, ItexitScreen) else []
    global_: list[ScreenAction] = []
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if active.node is not screen and active.node is not app:
            continue
        if not active.enabled or binding.id is None or binding.id in seen or binding.system:
            continue
        seen.add(binding.id)
        entry = ScreenAction(
            key=app.get_key_display(binding),
            description=binding.description,
            tooltip=binding.tooltip,
            action=binding.action,
            node=active.node,
            binding_id=binding.id,
        )
        (own if active.node is screen else global_).append(entry)
    return own + global_


@dataclass
class BackgroundResult(Message):
    """What a background read or change returned, handed to its screen's thread."""

    worker: Worker[None]
    deliver: Callable[[], object]


def in_background(
    node: Screen[Any],
    work: Callable[[], T],
    then: Callable[[T], object],
    *,
    group: str,
    exclusive: bool = True,
) -> Worker[None]:
    """Run `work` (a service call that may wait on the vault) in a thread, then `then(result)`
    on the screen's own thread.

    With `exclusive`, a newer run of the same group replaces an older one and the older result
    is dropped; a result that arrives after the screen closed is dropped too. A failure goes
    to the app's error dialog, as every worker's does.
    """

    def run() -> None:
        value = work()
        node.post_message(BackgroundResult(get_current_worker(), partial(then, value)))

    return node.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def _deliver(message: BackgroundResult) -> None:
    message.stop()
    if not message.worker.is_cancelled:
        message.deliver()


def _surface_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        node.post_message(WorkFailed(event.worker.error))


def breakpoint_class(size: int, breakpoints: list[tuple[int, str]]) -> str | None:
    """The class Textual gives a screen `size` cells wide (or high) for these breakpoints."""
    for threshold, name in sorted(breakpoints, reverse=True):
        if size >= threshold:
            return name
    return None


def preset_breakpoints(screen: Screen[Any]) -> None:
    """Give `screen` the breakpoint classes for the terminal's size before it is first styled.

    Textual adds them on the first resize event, after the screen has been laid out once
    without them. Kept for that first layout, not for speed: without it the dashboard opens
    at 80x24 scrolled past its title and the leaver's exposures
    (tests/tui/test_screens_whole.py). Set at construction, the classes come in with the
    first styling instead.
    """
    try:
        app = screen.app
    except RuntimeError:  # no running app yet: Textual adds them on the first resize
        return
    width, height = app.size
    horizontal = screen.HORIZONTAL_BREAKPOINTS
    vertical = screen.VERTICAL_BREAKPOINTS
    for size, breakpoints in (
        (width, app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal),
        (height, app.VERTICAL_BREAKPOINTS if vertical is None else vertical),
    ):
        name = breakpoint_class(size, breakpoints or [])
        if name is not None:
            screen.add_class(name, update=False)


class ItexitScreen(Screen[None]):
    """A full screen: header, body, footer of keys, and a paragraph for the help modal."""

    HELP: ClassVar[str] = ""
    """What the screen is for, in two or three plain sentences."""

    def __init__(self) -> None:
        super().__init__()
        preset_breakpoints(self)

    def extra_actions(self) -> list[ScreenAction]:
        """Actions to list in help and the palette besides the screen's own bindings."""
        return []

    def in_background(
        self,
        work: Callable[[], T],
        then: Callable[[T], object],
        *,
        group: str,
        exclusive: bool = True,
    ) -> Worker[None]:
        """See :func:`in_background`."""
        return in_background(self, work, then, group=group, exclusive=exclusive)

    def on_background_result(self, message: BackgroundResult) -> None:
        _deliver(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual also runs this for subclasses that handle the message themselves.
        _surface_failure(self, event)


class ItexitModal(ModalScreen[ResultT]):
    """A dialog that returns through `dismiss()`; escape closes it with no result."""

    HELP: ClassVar[str] = ""

    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="modal.cancel",
            tooltip="Close this dialog without changing anything",
        ),
        Binding(
            "ctrl+s",
            "save_form",
            "Save",
            id="modal.save",
            tooltip="Save this form, or say what is still missing",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        preset_breakpoints(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save_form":
            return callable(getattr(self, "_save", None))
        return True

    async def action_save_form(self) -> None:
        """Ctrl+S in every form does what its save button does (`_save`), refusals included."""
        save = getattr(self, "_save", None)
        if callable(save):
            result = save()
            if inspect.isawaitable(result):
                await result

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        """Every dialog's Cancel button closes it with no result, as escape does."""
        self.dismiss(None)

    def in_background(
        self,
        work: Callable[[], T],
        then: Callable[[T], object],
        *,
        group: str,
        exclusive: bool = True,
    ) -> Worker[None]:
        """See :func:`in_background`."""
        return in_background(self, work, then, group=group, exclusive=exclusive)

    def on_background_result(self, message: BackgroundResult) -> None:
        _deliver(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        _surface_failure(self, event)
