"""A day's work for one commune through a slow link: 200 dossiers with their history (each
received, processed, done and returned), 200 queue tickets (issued, called, finished) and one
monthly report, synced with `sync --once` defaults through a TCP proxy throttled to 50 kbit/s
with 500 ms latency each way. Target: synced in ≤ 30 s."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench._sync import Province
from bench.common import table

BANDWIDTH_BPS = 50_000
LATENCY_S = 0.5
DOSSIERS = 200
TICKETS = 200


def day_of_work(store) -> None:
    from edge import catalogue, demo, dossiers, forms, tickets
    from edge.clock import local_now
    rng = random.Random(4)
    procs = catalogue.procedures(store)
    today = local_now().date()
    for i in range(DOSSIERS):
        with store.atomic():
            p = rng.choice(procs)
            d = dossiers.receive(store, procedure_code=p.code, applicant=demo.person(rng, today),
                                 documents=list(p.documents)[:2], actor="canbo")
            for step in ("processing", "done", "returned"):
                d = dossiers.transition(store, d.id, step, actor="canbo")
    for i in range(TICKETS):
        with store.atomic():
            tickets.issue(store, service="general", priority=(i % 9 == 4), actor="kiosk")
            tickets.call_next(store, counter="1", actor="canbo")
    with store.atomic():
        t = tickets.call_next(store, counter="1", actor="canbo")
    defs = forms.definitions(store)
    if defs:
        period = forms.period_of(defs[0].period, today)
        forms.save_draft(store, defs[0].code, period, demo.demo_form_values(defs[0], rng), actor="canbo")


def main() -> None:
    from edge import outbox
    from sync.agent import Agent
    from tests.support import sync_env
    from tests.support.proxy import Proxy
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        prov = Province(tmp / "p")
        proxy = Proxy(prov.broker.port, bandwidth_bps=BANDWIDTH_BPS, latency_s=LATENCY_S).start()
        try:
            cfg = sync_env.commune_toml(tmp / "c", prov.broker, "00001", port=proxy.port,
                                        ack_timeout_s=30.0, heartbeat_s=60.0)
            store = sync_env.open_store(cfg)
            day_of_work(store)
            st = outbox.stats(store)
            agent = Agent(store, sync_env.settings(cfg))
            t0 = time.perf_counter()
            agent.run(once=True, timeout=300)
            elapsed = time.perf_counter() - t0
            store.close()
            table([[st.pending, ", ".join(f"{k} {v}" for k, v in sorted(st.by_table.items())), agent.stats.batches_sent,
                    proxy.bytes, elapsed]],
                  ["record changes", "by table", "batches", "bytes through the link (both ways)", "seconds"])
            print(f"link: {BANDWIDTH_BPS / 1000:.0f} kbit/s, {LATENCY_S * 1000:.0f} ms each way; "
                  "includes connect, hello and the final ack; target ≤ 30 s")
        finally:
            proxy.stop()
            prov.stop()


if __name__ == "__main__":
    main()
