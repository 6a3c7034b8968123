"""What one dashboard refresh reads from the central store, in one function the benchmark times too.

`load_snapshot` only reads (through `sync.kpi`); it runs in a worker thread and the screens render
the `Snapshot` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any

from sync import kpi


@dataclass(frozen=True)
class Snapshot:
    """Fleet health and the month's KPIs, as of `taken_at`."""
    taken_at: datetime
    month: str
    today: date
    fleet: list[kpi.FleetRow]
    dossiers: dict[str, kpi.DossierKpi]
    queue: dict[str, kpi.QueueKpi]
    forms: dict[str, kpi.FormKpi]
    trend: list[kpi.DossierKpi]
    procedures: list[kpi.ProcedureTime] = field(default_factory=list)

    def communes(self) -> list[str]:
        """Communes with KPI rows this month or in the fleet, sorted."""
        return sorted(_communes(self.dossiers, self.queue, self.fleet))


def _communes(dossiers: dict[str, Any], queue: dict[str, Any], fleet: list[kpi.FleetRow]) -> set[str]:
    return {c for c in (*dossiers, *queue) if c != "*"} | {r.commune for r in fleet}


def load_snapshot(store: Any, month: str, *, today: date | None = None, now: datetime | None = None,
                  trend_months: int = kpi.TREND_MONTHS, cache: kpi.DossierKpiCache | None = None) -> Snapshot:
    """Read everything the dashboard shows for `month`. With a `cache` (kept by the app between
    refreshes) only the months whose dossiers changed are recomputed. Raises SyncError subclasses
    (bad month, database failure)."""
    now = now or datetime.now(timezone.utc)
    today = today or kpi.today_local()
    fleet = kpi.fleet(store, now=now)
    cache = cache or kpi.DossierKpiCache()
    months = cache.months(store, kpi.months_back(month, trend_months), today)
    dossiers = months[month]
    queue = kpi.queue_kpis(store, month)
    forms = kpi.form_kpis(store, month, _communes(dossiers, queue, fleet), definitions=cache.forms(store))
    trend = kpi.trend_from(months)
    procedures = cache.procedures(store, month)
    return Snapshot(now, month, today, fleet, dossiers, queue, forms, trend, procedures)


def with_trend(snapshot: Snapshot, store: Any, cache: kpi.DossierKpiCache,
               trend_months: int = kpi.TREND_MONTHS) -> Snapshot:
    """`snapshot` (read with a shorter trend) with the `trend_months` trend, reading only the
    dossier KPIs of the months `cache` does not hold yet; the rest of the snapshot is kept."""
    months = cache.months(store, kpi.months_back(snapshot.month, trend_months), snapshot.today)
    return replace(snapshot, dossiers=months[snapshot.month], trend=kpi.trend_from(months))
