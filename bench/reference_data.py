"""Reference-data costs on the intake path: loading the working-day calendar and computing a due
date (done on every dossier intake), catalogue lookups and search, form validation."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import summary_ms, table

ROUNDS = int(os.environ.get("BENCH_REFERENCE_ROUNDS", "2000"))


def timed(fn, rounds: int = ROUNDS) -> list[float]:
    samples = []
    for i in range(rounds):
        t0 = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    from edge import calendar, catalogue, forms
    from edge.clock import LOCAL_TZ
    from edge.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "ref.db", min_free_mb=0)
        catalogue.ensure_bundled(store)
        forms.ensure_bundled(store)
        calendar.ensure_bundled_demo(store)
        codes = [p.code for p in catalogue.procedures(store)]
        defn = forms.get_definition(store, "BC-CDS-XA")
        values = {"nguoi_lap": "Lò Thị Mai", "ngay_lap": "03/12/2026", "so_ho_so_tiep_nhan": "1.234",
                  "so_ho_so_truc_tuyen": "56", "ty_le_dung_han": "97,5", "ket_noi_internet": "Ổn định",
                  "co_chu_ky_so": "có"}
        base = datetime(2026, 1, 1, 9, tzinfo=LOCAL_TZ)

        calendar._years.clear()
        t0 = time.perf_counter()
        calendar._library_year(2031)
        cold_year = time.perf_counter() - t0

        rows = [
            ["library year, first use (cold)", cold_year * 1000, cold_year * 1000, 1],
        ]
        cases = {
            "WorkCalendar.load + due_date (5 days)":
                lambda i: calendar.WorkCalendar.load(store).due_date(base + timedelta(hours=7 * i), 5),
            "catalogue.get": lambda i: catalogue.get(store, codes[i % len(codes)]),
            "catalogue.search 'chung thuc'": lambda i: catalogue.search(store, "chung thuc"),
            "forms.validate (8 typed fields)": lambda i: forms.validate(defn, values),
        }
        for name, fn in cases.items():
            fn(0)  # warm the library-year cache
            s = summary_ms(timed(fn))
            rows.append([name, s["p50"], s["p95"], s["n"]])
        store.close()
    table(rows, ["operation", "p50 ms", "p95 ms", "n"])


if __name__ == "__main__":
    main()
