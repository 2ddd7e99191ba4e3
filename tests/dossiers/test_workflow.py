"""Dossier status workflow through the store's write path, including the supplement pause."""

from __future__ import annotations

import json

import pytest

from station_client.domain.dossiers import ACTIONS, available_actions
from station_client.domain.problems import ValidationError
from station_client.store import Store
from station_client.store import dossiers as sd
from station_client.store.audit import verify

from .conftest import at, receive


def _outbox(store: Store, record_id: str) -> list[dict]:
    rows = store.conn.execute("SELECT fields FROM outbox WHERE record_id = ? ORDER BY seq", (record_id,)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_intake_sets_codes_due_and_snapshot(store: Store) -> None:
    d = receive(store)
    assert d["status"] == "received"
    assert d["procedure_name"] == "Đăng ký thường trú" and d["receipt_form"] == "CT04"
    assert d["fee"] == 20000
    # Thu 12 Feb 2026 + 7 working days, Tết 16–20 skipped: Monday 2 March.
    assert d["due_at"] == at(2026, 3, 2, 17).isoformat()
    assert d["receipt_no"] == "1/PTN"
    assert sd.get_by_code(store.conn, d["code"])["id"] == d["id"]
    assert receive(store)["receipt_no"] == "2/PTN"


def test_full_workflow_with_supplement_pause(store: Store) -> None:
    d = receive(store)
    d = sd.apply_action(store, d["id"], "start", officer="a", at=at(2026, 2, 13, 8))
    assert d["status"] == "processing"
    d = sd.apply_action(store, d["id"], "request_supplement", officer="a", at=at(2026, 2, 13, 10),
                        details={"supplement_items": ["Bản sao giấy chứng nhận quyền sử dụng đất"]})
    assert d["status"] == "supplement_requested"
    assert d["pauses"][-1]["to"] is None
    # While paused the dossier is neither due nor overdue, whatever the date.
    assert not sd.overdue(store.conn, at(2026, 4, 1).date())
    d = sd.apply_action(store, d["id"], "receive_supplement", officer="a", at=at(2026, 2, 25, 14))
    assert d["status"] == "processing"
    # Working days in (13 Feb, 25 Feb] = 23, 24, 25 Feb: the appointment moves from 2 March to 5 March.
    assert d["due_at"] == at(2026, 3, 5, 17).isoformat()
    d = sd.apply_action(store, d["id"], "result_ready", officer="a", at=at(2026, 3, 5, 10))
    assert (d["status"], d["outcome"]) == ("result_ready", "on_time")
    d = sd.apply_action(store, d["id"], "return_result", officer="a", at=at(2026, 3, 6, 8))
    assert d["status"] == "returned" and d["returned_at"]
    assert available_actions("returned") == []
    # Each step is an audited, queued write; the chain verifies.
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit WHERE record_id = ? ORDER BY seq",
                                                (d["id"],))]
    assert actions == ["create", "update", "update", "update", "update", "update"]
    assert _outbox(store, d["id"])[-1]["status"] == "returned"  # folded into the unsent upsert
    assert verify(store.conn).ok


def test_outcomes_early_and_late(store: Store) -> None:
    early = receive(store)
    early = sd.apply_action(store, early["id"], "start", officer="a", at=at(2026, 2, 13, 8))
    early = sd.apply_action(store, early["id"], "result_ready", officer="a", at=at(2026, 2, 25, 9))
    assert early["outcome"] == "early"
    late = receive(store)
    late = sd.apply_action(store, late["id"], "start", officer="a", at=at(2026, 2, 13, 8))
    late = sd.apply_action(store, late["id"], "result_ready", officer="a", at=at(2026, 3, 3, 8))
    assert late["outcome"] == "late"


def test_refusal_needs_a_legal_ground(store: Store) -> None:
    d = receive(store)
    with pytest.raises(ValidationError) as err:
        sd.apply_action(store, d["id"], "refuse", officer="a", at=at(2026, 2, 13))
    assert "refusal_ground" in err.value.by_field()
    assert store.get("dossier", d["id"])["status"] == "received"  # nothing written
    d = sd.apply_action(store, d["id"], "refuse", officer="a", at=at(2026, 2, 13),
                        details={"refusal_ground": "Điều 23 Luật Cư trú", "refusal_reason": "Nhà trên đất lấn chiếm"})
    assert d["status"] == "refused"


def test_transfer_and_result(store: Store) -> None:
    d = receive(store, procedure_key="cc.doi")
    d = sd.apply_action(store, d["id"], "transfer", officer="a", at=at(2026, 2, 13),
                        details={"transferred_to": "Phòng Cảnh sát QLHC về TTXH, Công an tỉnh Quảng Ninh"})
    assert d["status"] == "transferred" and d["transferred_at"]
    d = sd.apply_action(store, d["id"], "result_ready", officer="a", at=at(2026, 2, 24))
    assert d["status"] == "result_ready"


def test_illegal_transitions_are_refused(store: Store) -> None:
    d = receive(store)
    for action in ("receive_supplement", "return_result"):
        with pytest.raises(ValidationError):
            sd.apply_action(store, d["id"], action, officer="a", at=at(2026, 2, 13))
    assert {a.name for a in available_actions("received")} == {"start", "request_supplement", "transfer", "refuse"}
    assert set(ACTIONS) >= {"start", "request_supplement", "receive_supplement", "transfer", "result_ready",
                            "return_result", "refuse"}


def test_incomplete_at_intake_waits_for_supplement(store: Store) -> None:
    d = receive(store, complete=False, supplement_items=["Giấy tờ chứng minh chỗ ở hợp pháp"])
    assert d["status"] == "supplement_requested" and d["pauses"][0]["to"] is None
    d = sd.apply_action(store, d["id"], "receive_supplement", officer="a", at=at(2026, 2, 23, 8))
    # The clock starts on the supplement: 7 working days after Monday 23 Feb.
    assert d["due_at"] == at(2026, 3, 4, 17).isoformat()


def test_due_lists(store: Store) -> None:
    a = receive(store, at(2026, 3, 2, 9), procedure_key="1.010028")  # 2 WD -> Wed 4 March
    b = receive(store, at(2026, 3, 2, 9), procedure_key="1.004194")  # 3 WD -> Thu 5 March
    cal = sd.work_calendar(store.conn)
    day = at(2026, 3, 4).date()
    assert [d["id"] for d in sd.due_today(store.conn, day)] == [a["id"]]
    assert [d["id"] for d in sd.coming_due(store.conn, day, cal, 1)] == [b["id"]]
    assert [d["id"] for d in sd.overdue(store.conn, at(2026, 3, 5).date())] == [a["id"]]
    assert sd.count_by_status(store.conn) == {"received": 2}
    assert [d["id"] for d in sd.list_dossiers(store.conn, flt="overdue", today=at(2026, 3, 6).date())] \
        == [b["id"], a["id"]]
    assert len(sd.list_dossiers(store.conn, text="hong nhung")) == 2  # no diacritics typed


def test_print_count(store: Store) -> None:
    d = receive(store)
    assert sd.mark_printed(store, d["id"], officer="a") == 1
    assert sd.mark_printed(store, d["id"], officer="a") == 2
