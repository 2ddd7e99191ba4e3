"""A station with no link: its changes go to the province on a USB stick and the answer comes back the same way.
Bundles are signed; a tampered bundle or answer is refused whole."""

from __future__ import annotations

import json
from pathlib import Path

from station_client.store import sync_ops as ops

from .conftest import add_people, assert_converged, make_station, server_records


def _import_at_province(server, bundle: Path, answer: Path):
    return server.cli("import-bundle", str(bundle), "--out", str(answer), check=False)


def test_bundle_round_trip_and_tampering(tmp_path: Path, server) -> None:
    station = make_station(tmp_path, server, "remote")  # enrolled once, at the province office
    with station.open() as store:
        ids = add_people(store, 25, seed=90)
    bundle, answer = tmp_path / "to-province.json", tmp_path / "answer.json"
    out = station.cli("sync", "export-bundle", str(bundle))
    assert out.returncode == 0 and "25" in out.stdout, out.stderr

    # Tampered on the way: the province refuses it whole.
    doc = json.loads(bundle.read_text(encoding="utf-8"))
    doc["changes"][0]["fields"]["full_name"] = "Kẻ Giả Mạo"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    refused = _import_at_province(server, forged, tmp_path / "forged-answer.json")
    assert refused.returncode != 0 and "signature" in refused.stderr
    assert server_records(server) == {}

    done = _import_at_province(server, bundle, answer)
    assert done.returncode == 0, done.stderr
    assert {i for (_, i) in server_records(server)} == set(ids)
    again = _import_at_province(server, bundle, tmp_path / "again.json")  # imported twice: harmless
    assert again.returncode == 0
    assert all(v == 1 for (v, _, _) in server_records(server).values())

    # A tampered answer is refused before anything is applied.
    bad = json.loads(answer.read_text(encoding="utf-8"))
    bad["results"][0] = 99
    bad_path = tmp_path / "bad-answer.json"
    bad_path.write_text(json.dumps(bad), encoding="utf-8")
    rejected = station.cli("sync", "import-answer", str(bad_path))
    assert rejected.returncode != 0 and "signature" in rejected.stderr
    with station.open() as store:
        assert ops.pending_count(store) == 25

    ok = station.cli("sync", "import-answer", str(answer))
    assert ok.returncode == 0, ok.stderr
    with station.open() as store:
        assert ops.pending_count(store) == 0
        assert all(store.get("person", i)["sync_state"] == "synced" for i in ids)

    # Second trip: the province changed a record; the station edited another. Both cross on the stick.
    server.admin_put_record("person", ids[0], {"religion": "Công giáo"})
    with station.open() as store:
        store.update("person", ids[1], {"occupation": "Giáo viên"}, officer="t")
    bundle2, answer2 = tmp_path / "b2.json.gz", tmp_path / "a2.json"
    assert station.cli("sync", "export-bundle", str(bundle2)).returncode == 0
    assert _import_at_province(server, bundle2, answer2).returncode == 0
    assert station.cli("sync", "import-answer", str(answer2)).returncode == 0
    with station.open() as store:
        assert store.get("person", ids[0])["religion"] == "Công giáo"
    assert_converged(station)
