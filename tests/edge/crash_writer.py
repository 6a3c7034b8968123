"""Child process for the crash test: receives dossiers in a loop, printing each id once it returned."""

import random
import sys
from datetime import timedelta

from edge import catalogue, demo, dossiers
from edge.clock import local_now
from edge.store import Store


def main(path: str, seed: int) -> None:
    store = Store(path, min_free_mb=0)
    procs = catalogue.procedures(store)
    rng = random.Random(seed)
    today = local_now().date()
    out = sys.stdout
    i = 0
    while True:
        proc = procs[i % len(procs)]
        d = dossiers.receive(store, procedure_code=proc.code, applicant=demo.person(rng, today),
                             documents=list(proc.documents), actor="canbo",
                             # a new reception day every 500 dossiers keeps codes in the desk's block
                             received_at=local_now() - timedelta(days=seed * 10 + i // 500))
        if i % 3 == 0:
            d = dossiers.transition(store, d.id, "processing", actor="canbo")
        out.write(f"{d.id} {d.version}\n")
        out.flush()
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
