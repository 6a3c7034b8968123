"""The procedure catalogue: search (accents optional), required documents, fee, deadline.

Used by citizens (browse) and staff alike; it shows only published catalogue data.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from edge import catalogue

from ..widgets.tr import tr
from ..widgets.vninput import VietInput
from .base import KioskScreen


def procedure_name(proc: Any, lang: str) -> str:
    return (proc.name_en or proc.name) if lang == "en" else proc.name


def format_fee(fee: int, t: Any) -> str:
    if not fee:
        return t("catalogue.free")
    return f"{fee:,}".replace(",", ".") + " đ"


def describe_procedure(proc: Any, lang: str, t: Any) -> str:
    """The detail text of one procedure: field, deadline, fee, documents."""
    if proc.deadline_days:
        days = t("catalogue.days", n=proc.deadline_days)
    else:
        days = t("catalogue.same_day")
    if proc.verification_days:
        days += " " + t("catalogue.verification", n=proc.verification_days)
    fee = format_fee(proc.fee, t)
    if proc.fee_note:
        fee += f" ({proc.fee_note})"
    lines = [f"[b]{procedure_name(proc, lang)}[/b] ({proc.code})",
             t("catalogue.field", field=proc.field),
             t("catalogue.deadline", days=days),
             t("catalogue.fee", fee=fee),
             t("catalogue.documents")]
    lines += [f"  • {d}" for d in proc.documents]
    return "\n".join(lines)


class CatalogueScreen(KioskScreen):
    """Search box, list of procedures, detail of the highlighted one."""

    TITLE_KEY = "catalogue.title"

    def compose_body(self) -> ComposeResult:
        yield tr(VietInput(id="search", compact=True), "catalogue.search")
        yield OptionList(id="procedures")
        with VerticalScroll(id="procedure-detail"):
            yield Static(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self._procs: list[Any] = []
        self.query_one("#search", VietInput).focus()
        self.run_store("search", catalogue.search, self.app.store, "")

    def on_input_changed(self, event: VietInput.Changed) -> None:
        if event.input.id == "search":
            self.run_store("search", catalogue.search, self.app.store, event.value)

    def on_input_submitted(self, event: VietInput.Submitted) -> None:
        self.query_one("#procedures", OptionList).focus()

    def on_search_done(self, procs: list[Any]) -> None:
        self._procs = procs
        self._fill()

    def _fill(self) -> None:
        options = self.query_one("#procedures", OptionList)
        options.clear_options()
        options.add_options([Option(procedure_name(p, self.lang), id=p.code) for p in self._procs])
        if self._procs:
            options.highlighted = 0
            self._show(self._procs[0])
        else:
            self.query_one("#detail", Static).update(self.t("catalogue.empty"))

    def _show(self, proc: Any) -> None:
        self.query_one("#detail", Static).update(describe_procedure(proc, self.lang, self.t))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        code = event.option.id
        for p in self._procs:
            if p.code == code:
                self._show(p)
                break

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self._fill()
