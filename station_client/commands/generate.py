"""``station-client generate --residents N``: fill the station with a synthetic commune (demos, trials)."""

from __future__ import annotations

import argparse
from typing import Any

from ..synthetic import populate
from .common import add_command, officer_name, open_store


def register(sub: Any) -> None:
    p = add_command(sub, "generate", "tạo dữ liệu giả lập để thử / fill with synthetic residents", _generate)
    p.add_argument("--residents", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--officer")


def _generate(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = populate(store, args.residents, seed=args.seed, officer=officer_name(args))
    print(f"{len(data.persons)} nhân khẩu, {len(data.households)} hộ / residents, households")
    return 0
