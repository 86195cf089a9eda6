"""Tick boxes tell ticked from unticked by the mark itself, not by colour alone."""

from __future__ import annotations

from textual.app import App, ComposeResult

from itexit.widgets.tick import TickBox, TickList


class Ticks(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("Critical", id="off")
        yield TickBox("Already returned", value=True, id="on")
        yield TickList[str](("Letting go", "letting-go", True), ("Vendor", "vendor"), id="list")


async def test_only_a_ticked_box_shows_an_x() -> None:
    app = Ticks()
    async with app.run_test(size=(40, 12)) as pilot:
        off, on = app.query_one("#off", TickBox), app.query_one("#on", TickBox)
        assert "▐ ▌ Critical" in str(off.render())
        assert "▐X▌ Already returned" in str(on.render())
        off.value = True
        on.value = False
        await pilot.pause()
        assert "▐X▌ Critical" in str(off.render())
        assert "▐ ▌ Already returned" in str(on.render())


async def test_only_a_chosen_line_shows_an_x() -> None:
    app = Ticks()
    async with app.run_test(size=(40, 12)) as pilot:
        ticks = app.query_one("#list", TickList)
        lines = [ticks.render_line(y).text for y in range(2)]
        assert "▐X▌ Letting go" in lines[0] and "▐ ▌ Vendor" in lines[1]
        ticks.select("vendor")
        ticks.deselect("letting-go")
        await pilot.pause()
        lines = [ticks.render_line(y).text for y in range(2)]
        assert "▐ ▌ Letting go" in lines[0] and "▐X▌ Vendor" in lines[1]
