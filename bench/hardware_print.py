"""Receipt printing: time to lay out and render a slip to ESC/POS bytes per printer profile, the job
size, the time the bytes take on the wire at 9600 and 115200 baud (8N1: 10 bits a byte), and the
time from submit to "printed" through the spool and a real pty to a reader that answers status."""

from __future__ import annotations

import os
import pty
import select
import tempfile
import threading
import time
import tty
from pathlib import Path

from bench.common import summary_ms, table

RUNS = int(os.environ.get("BENCH_PRINT_RUNS", "20"))


def _slips(store):
    from edge import dossiers, slips, tickets
    from edge.citizens import parse_cccd
    from edge import demo
    demo.ensure_reference_data(store)
    a = parse_cccd("002090001234|123456789|Nguyễn Văn Đức|15031990|Nam|Thôn Tha, xã Phương Độ, Hà Giang|20042021")
    d = dossiers.receive(store, procedure_code="HT-KS", applicant=a,
                         documents=["Tờ khai đăng ký khai sinh", "Giấy chứng sinh (bản chính)"], actor="canbo")
    t = tickets.issue(store, actor="bench")
    return {"ticket": slips.ticket(store, t.label, t.service_name, t.issued_at, 4, False),
            "receipt": slips.receipt(store, d)}


def _printer_end(master: int, stop: threading.Event) -> None:
    """Reads everything; answers each DLE EOT n with 'all fine' (a job has no 0x10 0x04 in text)."""
    tail = b""
    while not stop.is_set():
        r, _, _ = select.select([master], [], [], 0.05)
        if not r:
            continue
        try:
            data = tail + os.read(master, 65536)
        except OSError:
            return
        n = data.count(b"\x10\x04")
        if n:
            os.write(master, b"\x12" * n)
        tail = data[-1:]


def main() -> None:
    from edge.store import Store
    from hardware import profiles, render
    from hardware.config import PrinterConfig
    from hardware.printer import PrintQueue, SerialPrinter
    from hardware.spool import Spool

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", min_free_mb=0)
        slips = _slips(store)
        rows = []
        for name in profiles.available():
            prof = profiles.load(name)
            for kind, slip in slips.items():
                samples = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    data = render.encode(slip, prof)
                    samples.append(time.perf_counter() - t0)
                s = summary_ms(samples)
                rows.append([name, kind, s["p50"], s["p95"], len(data), len(data) * 10 / 9600,
                             len(data) * 10 / 115200])
        print(f"render to ESC/POS, {RUNS} runs each")
        table(rows, ["profile", "slip", "p50 ms", "p95 ms", "bytes", "wire s @9600", "wire s @115200"])

        master, slave = pty.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        stop = threading.Event()
        reader = threading.Thread(target=_printer_end, args=(master, stop), daemon=True)
        reader.start()
        prof = profiles.load("generic-58")
        printer = SerialPrinter(PrinterConfig(port=os.ttyname(slave), baud=115200, timeout_s=1.0), prof)
        queue = PrintQueue(printer, Spool(Path(tmp) / "spool"), prof).start()
        rows = []
        try:
            for kind, slip in slips.items():
                samples = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    result = queue.wait(queue.submit(slip), 10)
                    samples.append(time.perf_counter() - t0)
                    assert result.printed, result.error
                s = summary_ms(samples)
                rows.append([kind, s["p50"], s["p95"]])
        finally:
            queue.close()
            printer.close()
            stop.set()
            reader.join(timeout=2)
            os.close(master)
            os.close(slave)
            store.close()
        print(f"\nsubmit → printed through spool + pty (generic-58, status before and after), {RUNS} runs")
        table(rows, ["slip", "p50 ms", "p95 ms"])


if __name__ == "__main__":
    main()
