"""A minimal station-side client of the sync API for the server tests (plain requests, nothing mocked)."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.server import RunningServer


def person_fields(rng: random.Random | None = None, **over: Any) -> dict[str, Any]:
    """A valid synthetic person (the personal ID agrees with birth year and sex, province 022)."""
    rng = rng or random.Random()
    year = rng.randint(1950, 2005)
    sex = rng.choice("MF")
    g = (0 if year < 2000 else 2) + (1 if sex == "F" else 0)
    fields = {"full_name": rng.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung"]),
              "birth_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "sex": sex,
              "personal_id": f"022{g}{year % 100:02d}{rng.randint(0, 999999):06d}"}
    fields.update(over)
    return fields


def change(kind: str, record_id: str, fields: dict[str, Any], base_version: int = 0, op: str = "upsert",
           change_id: str | None = None, resolves: str | None = None) -> dict[str, Any]:
    return {"change_id": change_id or str(uuid.uuid4()), "kind": kind, "id": record_id, "op": op,
            "base_version": base_version, "fields": fields, "resolves": resolves}


def new_person(**over: Any) -> dict[str, Any]:
    return change("person", str(uuid.uuid4()), person_fields(**over))


@dataclass
class Station:
    server: RunningServer
    station_id: str
    commune_code: str
    token: str
    cursor: int = 0
    epoch: str | None = None
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @classmethod
    def enroll(cls, server: RunningServer, commune_code: str, name: str = "") -> Station:
        info = server.enroll(commune_code, name)
        return cls(server, info["station_id"], info["commune_code"], info["token"], epoch=info["epoch"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: Any, gzip_body: bool = False, **kw: Any) -> requests.Response:
        headers = dict(self.headers)
        headers.update(kw.pop("headers", {}))
        data = json.dumps(body).encode()
        if gzip_body:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = "application/json"
        return self.session.post(self.server.url + path, data=data, headers=headers, timeout=60, **kw)

    def sync(self, changes: list[dict[str, Any]] | None = None, cursor: int | None = None, expect: int = 200,
             **extra: Any) -> dict[str, Any]:
        body = {"protocol": 1, "epoch": self.epoch, "cursor": self.cursor if cursor is None else cursor,
                "changes": changes or [], **extra}
        r = self.post("/v1/sync", body)
        assert r.status_code == expect, r.text
        return dict(r.json())

    def push(self, changes: list[dict[str, Any]]) -> list[Any]:
        """Push without moving this station's cursor (the feed is read separately)."""
        return list(self.sync(changes, limit=1)["results"])

    def pull_all(self, limit: int = 1000, resync: bool = False) -> list[dict[str, Any]]:
        """Pull pages until ``more`` is false, moving the cursor; returns every entry read."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.sync(limit=limit, resync=resync)
            out += page["feed"]
            assert page["cursor"] >= self.cursor
            self.cursor = page["cursor"]
            if not page["more"]:
                return out

    def get_record(self, kind: str, record_id: str) -> requests.Response:
        return self.session.get(f"{self.server.url}/v1/records/{kind}/{record_id}", headers=self.headers,
                                timeout=30)
