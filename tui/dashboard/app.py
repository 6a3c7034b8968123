"""The provincial dashboard app: holds the central store, the language, the month shown and the last
snapshot; refreshes it in a worker thread every `REFRESH_SECONDS` (live while the receiver runs).

Everything it shows is read from the central store. Its one action that writes is "re-request data
from a commune": a `resume` down message recorded through `CentralStore.add_outbound` (the same path
`province-hub decide` uses) and published to the commune's down topic when a publisher is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message

from edge.clock import LOCAL_TZ
from sync import kpi

from .data import Snapshot, load_snapshot, with_trend
from .i18n import LANGUAGES, localize_bindings, t

#: seconds between two refreshes (0: only on demand)
REFRESH_SECONDS = 5.0
#: publish(commune, down message) -> None; raises SyncError when the broker cannot be reached
Publisher = Callable[[str, Any], None]


class DashboardApp(App):
    """`DashboardApp(store)`; `clock` returns the current UTC time (tests fix it)."""

    CSS_PATH = "dashboard.tcss"
    TITLE = "Bảng điều khiển tỉnh"
    BINDINGS = [
        Binding("q", "quit", "Thoát", id="app.quit"),
        Binding("l", "toggle_language", "English", id="app.language"),
        Binding("f5", "refresh_now", "Làm mới", id="app.refresh"),
    ]

    @dataclass
    class SnapshotLoaded(Message):
        snapshot: Snapshot

    @dataclass
    class RefreshFailed(Message):
        error: str

    def __init__(self, store: Any, *, lang: str = "vi", refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], datetime] | None = None, month: str | None = None,
                 publisher: Publisher | None = None, province: str = "") -> None:
        super().__init__()
        if lang not in LANGUAGES:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        self.store = store
        self.lang = lang
        self.refresh_seconds = refresh_seconds
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.month = kpi.check_month(month) if month else kpi.month_of(self.today())
        self.publisher = publisher
        self.province = province
        self.snapshot: Snapshot | None = None
        self.technician_only = False
        self.refreshes = 0
        self._kpi_cache = kpi.DossierKpiCache()

    def today(self) -> date:
        return self.clock().astimezone(LOCAL_TZ).date()

    # ---- lifecycle

    def on_mount(self) -> None:
        from .screens.main import MainScreen
        self._apply_title()
        localize_bindings(self, self.lang)
        self.push_screen(MainScreen())
        self.refresh_data()
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self.refresh_data)

    def _apply_title(self) -> None:
        self.title = t("app.title", self.lang) + (f" · {self.province}" if self.province else "")

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand(t("app.refresh", self.lang), t("app.refresh", self.lang), self.action_refresh_now)
        yield SystemCommand(t("app.language", self.lang), t("app.language", self.lang),
                            self.action_toggle_language)
        yield SystemCommand(t("fleet.technician", self.lang), t("fleet.technician", self.lang),
                            self._toggle_technician)

    # ---- refreshing

    def refresh_data(self) -> None:
        """Start a refresh in a worker thread (a running one is cancelled)."""
        self._refresh(self.month)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh(self, month: str) -> None:
        now = self.clock()
        today = now.astimezone(LOCAL_TZ).date()
        try:
            if not self._kpi_cache.has(kpi.months_back(month, kpi.TREND_MONTHS), today):
                # Cold (start, another day, another month): show the fleet and this month first,
                # then the 12-month trend when it is read (only the trend is read again).
                first = load_snapshot(self.store, month, today=today, now=now, trend_months=1,
                                      cache=self._kpi_cache)
                self.post_message(self.SnapshotLoaded(first))
                snap = with_trend(first, self.store, self._kpi_cache)
            else:
                snap = load_snapshot(self.store, month, today=today, now=now, cache=self._kpi_cache)
        except Exception as e:  # noqa: BLE001 - any database failure is shown, the app keeps running
            self.post_message(self.RefreshFailed(str(e).splitlines()[0] if str(e) else type(e).__name__))
            return
        self.post_message(self.SnapshotLoaded(snap))

    def on_dashboard_app_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        if message.snapshot.month != self.month:
            return
        self.snapshot = message.snapshot
        self.refreshes += 1
        self._main().show_snapshot()

    def on_dashboard_app_refresh_failed(self, message: RefreshFailed) -> None:
        text = t("error.refresh", self.lang, error=message.error)
        self._main().show_error(text)
        self.notify(text, severity="error")

    def _main(self):
        from .screens.main import MainScreen
        for s in self.screen_stack:
            if isinstance(s, MainScreen):
                return s
        raise LookupError("main screen")

    # ---- actions

    def action_refresh_now(self) -> None:
        from .screens.commune import CommuneScreen
        self.refresh_data()
        if isinstance(self.screen, CommuneScreen):
            self.screen.reload_all()

    def action_toggle_language(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self._apply_title()
        localize_bindings(self, self.lang)
        main = self._main()
        main.apply_language()
        main.show_snapshot()
        self.refresh_bindings()

    def _toggle_technician(self) -> None:
        self._main().action_toggle_technician()

    def shift_month(self, step: int) -> None:
        """Show the month `step` months away (never after the current month)."""
        m = self.month
        for _ in range(abs(step)):
            m = kpi.next_month(m) if step > 0 else kpi.prev_month(m)
        if m > kpi.month_of(self.today()):
            return
        self.month = m
        self.refresh_data()

    def open_commune(self, commune: str) -> None:
        from .screens.commune import CommuneScreen
        self.push_screen(CommuneScreen(commune))

    def request_resend(self, commune: str) -> None:
        """Ask a commune to send everything it still keeps again (a `resume` from seq 0)."""
        self._resend(commune)

    @work(thread=True, group="resend", exit_on_error=False)
    def _resend(self, commune: str) -> None:
        from sync.errors import SyncError
        try:
            msg = self.store.add_outbound(commune, "resume", {"from_seq": 0})
        except SyncError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        published = False
        if self.publisher is not None:
            try:
                self.publisher(commune, msg)
                published = True
            except SyncError:
                published = False
        key = "commune.resend_done" if published else "commune.resend_queued"
        self.call_from_thread(self.notify, t(key, self.lang, commune=commune))
