"""A writer for the concurrency test: many short transactions, mixing creates and updates."""

from __future__ import annotations

import sys

from station_client.store import Store
from station_client.synthetic import Generator


def main(path: str, seed: int, count: int) -> None:
    gen = Generator(seed)
    store = Store.open(path)
    ids = []
    for i in range(count):
        values = gen.person()
        rid = values.pop("id")
        store.create("person", values, officer=f"writer-{seed}", record_id=rid)
        ids.append(rid)
        if i % 3 == 0:
            store.update("person", ids[i // 2], {"note": f"cập nhật {i}"}, officer=f"writer-{seed}")
    print(" ".join(ids), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
