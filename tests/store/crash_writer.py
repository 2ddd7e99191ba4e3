"""A writer process for the crash test: writes forever, printing each write only after it committed."""

from __future__ import annotations

import random
import sys

from station_client.store import Store
from station_client.synthetic import Generator


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    gen = Generator(seed)
    store = Store.open(path)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM persons WHERE deleted = 0 LIMIT 200")]
    print("ready", flush=True)
    while True:
        roll = rng.random()
        if roll < 0.5 or not ids:
            values = gen.person()
            rid = values.pop("id")
            store.create("person", values, officer="crash", record_id=rid)
            ids.append(rid)
            print(f"create {rid}", flush=True)
        elif roll < 0.7:
            batch = []
            for p in gen.people(rng.randint(5, 40)):
                batch.append(p)
            with store.transaction():  # one big transaction: a kill inside it must leave none of it
                for values in batch:
                    rid = values.pop("id")
                    store.create("person", values, officer="crash", record_id=rid)
                    ids.append(rid)
            print("batch " + " ".join(p_id for p_id in ids[-len(batch):]), flush=True)
        elif roll < 0.95:
            rid = rng.choice(ids)
            record = store.update("person", rid, {"note": f"lần {rng.randint(0, 10**9)}"}, officer="crash")
            print(f"update {rid} {record['version']}", flush=True)
        else:
            rid = ids.pop(rng.randrange(len(ids)))
            store.delete("person", rid, officer="crash")
            print(f"delete {rid}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
