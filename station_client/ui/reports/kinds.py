"""What the screens show of each report kind, in one descriptor per kind: the tab, the buttons and headings, the
register's columns and list values, the detail's headline, what each action asks for, the Today line and the
person's role on the person page.

The kind's domain facts (statuses, actions, vocabularies, open statuses, the register letters, the link to a
resident) are in its domain module (``domain.registry.REPORTS``). A new report kind is its domain module, a line in
``domain/registry.py``, a descriptor here (with its intake form, ``IntakePage._build_<kind>``) and its migration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...clock import office_datetime
from ...domain import crime_reports as cr
from ...domain import mediation as md
from ...domain import violations as vl
from ...domain.deadline_rules import COMPLEXITY
from ...domain.registry import REPORTS
from ...domain.reports import party_names
from ..i18n import tr_lazy, tr_noop, translate
from ..labels import vocabulary
from ..models import Column, due_chip

# What an action asks for: (field, label, widget) — widget "line", "text", "date", "int", "check" or a vocabulary.
Input = tuple[str, str, str | dict[str, tuple[str, str]]]
Language = Callable[[], str]


@dataclass(frozen=True)
class RegisterScreens:
    kind: str
    tab_title: str  # tr_noop("Reports", ...): the register's tab
    new_label: str  # the register's "new entry" button
    intake_title: str  # the intake form's heading
    due_what: str  # what the officer must do when the running clock is due (the Today list)
    columns: Callable[[Language], list[Column]]  # the register's columns (status, due and countdown added)
    list_values: Callable[[dict[str, Any], bool], dict[str, Any]]  # (row, open) -> the list-only values
    headline: Callable[[dict[str, Any]], str]  # under the detail page's title
    action_inputs: dict[str, list[Input]] = field(default_factory=dict)  # actions not listed run at once
    action_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    person_role: str = ""  # tr_noop("PersonLinks", ...): the resident's role when linked by ``person_field``
    countdown: bool = True  # the register shows the running clock's countdown column


def _received(language: Language) -> Column:
    return Column("received_at", tr_lazy("Reports", "Tiếp nhận"), office_datetime)


def _vocab(kind: str, name: str, language: Language) -> Callable[[Any], str]:
    table = REPORTS[kind].vocabularies[name]
    return lambda v: vocabulary(language(), table, v)


# ------------------------------------------------------------------------------------------ crime reports
def _crime_values(r: dict[str, Any], open_: bool) -> dict[str, Any]:
    who = translate("Reports", "Giấu tên") if r.get("reporter_anonymous") else (r.get("reporter_name") or
                                                                               r.get("reporter_agency"))
    urgency = translate("Reports", "KHẨN CẤP") if r.get("urgent") else translate("Reports", "Thường")
    return {"who": who, "urgency": urgency, "_urgent": bool(r.get("urgent")) and open_}


def _crime_headline(r: dict[str, Any]) -> str:
    who = translate("DetailPage", "Người tố giác giấu tên") if r.get("reporter_anonymous") else (
        r.get("reporter_name") or r.get("reporter_agency") or "")
    return f"{who} — {r.get('summary') or ''}"


CRIME_REPORT = RegisterScreens(
    kind="crime_report",
    tab_title=tr_noop("Reports", "Tố giác, tin báo"),
    new_label=tr_noop("Reports", "Tiếp nhận tố giác, tin báo"),
    intake_title=tr_noop("Reports", "Tiếp nhận tố giác, tin báo về tội phạm"),
    due_what=tr_noop("Reports", "Chuyển tố giác, tin báo"),
    columns=lambda language: [Column("register_no", tr_lazy("Reports", "Số thụ lý")), _received(language),
                              Column("urgency", tr_lazy("Reports", "Mức độ")),
                              Column("who", tr_lazy("Reports", "Người tố giác, báo tin")),
                              Column("summary", tr_lazy("Reports", "Nội dung"))],
    list_values=_crime_values,
    headline=_crime_headline,
    action_inputs={
        "start_check": [("check_note", tr_noop("Reports", "Nội dung kiểm tra sơ bộ"), "text")],
        "transfer": [("transferred_to", tr_noop("Reports", "Cơ quan nhận"), "line"),
                     ("transfer_doc_no", tr_noop("Reports", "Số văn bản chuyển"), "line")],
        "close": [("close_reason", tr_noop("Reports", "Lý do kết thúc"), "line")],
        "reclassify": [("urgent", tr_noop("Reports", "Khẩn cấp"), "check"),
                       ("urgency_reason", tr_noop("Reports", "Lý do khẩn cấp"), cr.URGENCY_REASONS)],
        "override_remote": [("remote_commune", tr_noop("Reports", "Xã vùng sâu, vùng xa, miền núi, hải đảo"), "check"),
                            ("reason", tr_noop("Reports", "Lý do điều chỉnh"), "line")],
        "notify": [("content", tr_noop("Reports", "Nội dung thông báo"), "text"),
                   ("method", tr_noop("Reports", "Hình thức thông báo"), cr.NOTICE_METHODS)],
    },
    action_defaults={"transfer": {"transferred_to": "Cơ quan Cảnh sát điều tra Công an tỉnh"}},
    person_role=tr_noop("PersonLinks", "người tố giác"),
)

# ------------------------------------------------------------------------------------------ petitions
PETITION = RegisterScreens(
    kind="petition",
    tab_title=tr_noop("Reports", "Đơn thư"),
    new_label=tr_noop("Reports", "Tiếp nhận đơn"),
    intake_title=tr_noop("Reports", "Tiếp nhận đơn"),
    due_what=tr_noop("Reports", "Xử lý đơn"),
    columns=lambda language: [Column("register_no", tr_lazy("Reports", "Số thụ lý")), _received(language),
                              Column("petition_type", tr_lazy("Reports", "Loại đơn"),
                                     _vocab("petition", "petition_type", language)),
                              Column("petitioner_name", tr_lazy("Reports", "Người gửi đơn")),
                              Column("what", tr_lazy("Reports", "Nội dung"))],
    list_values=lambda r, _open: {"what": r.get("subject") or r.get("content")},
    headline=lambda r: f"{r.get('petitioner_name') or ''} — {r.get('subject') or r.get('content') or ''}",
    action_inputs={
        "accept": [("complexity", tr_noop("Reports", "Mức độ phức tạp"), COMPLEXITY)],
        "forward": [("forwarded_to", tr_noop("Reports", "Nơi chuyển đơn"), "line")],
        "not_accept": [("not_accepted_reason", tr_noop("Reports", "Lý do không thụ lý"), "line")],
        "set_complexity": [("complexity", tr_noop("Reports", "Mức độ phức tạp"), COMPLEXITY)],
        "resolve": [("resolution", tr_noop("Reports", "Kết quả giải quyết"), "text")],
    },
    person_role=tr_noop("PersonLinks", "người gửi đơn"),
)

# ------------------------------------------------------------------------------------------ mediation
MEDIATION_CASE = RegisterScreens(
    kind="mediation_case",
    tab_title=tr_noop("Reports", "Hòa giải"),
    new_label=tr_noop("Reports", "Vụ việc hòa giải mới"),
    intake_title=tr_noop("Reports", "Vụ việc hòa giải mới"),
    due_what=tr_noop("Reports", "Theo dõi thực hiện hòa giải"),
    # No countdown: the follow-up date is the mediators' appointment, not a statutory clock.
    columns=lambda language: [Column("register_no", tr_lazy("Reports", "Số vụ việc")), _received(language),
                              Column("who", tr_lazy("Reports", "Các bên")),
                              Column("summary", tr_lazy("Reports", "Nội dung"))],
    list_values=lambda r, _open: {"who": party_names(r.get("parties"), "party")},
    headline=lambda r: r.get("summary") or "",
    action_inputs={
        "add_session": [("summary", tr_noop("Reports", "Diễn biến buổi hòa giải"), "text"),
                        ("place", tr_noop("Reports", "Địa điểm"), "line"),
                        ("mediators", tr_noop("Reports", "Hòa giải viên"), "line")],
        "succeed": [("agreement", tr_noop("Reports", "Nội dung thỏa thuận"), "text"),
                    ("follow_up_on", tr_noop("Reports", "Ngày theo dõi thực hiện"), "date")],
        "fail": [("failure_reason", tr_noop("Reports", "Lý do hòa giải không thành"), "line"),
                 ("referred_to", tr_noop("Reports", "Hướng dẫn các bên đến"), "line")],
        "follow_up": [("note", tr_noop("Reports", "Kết quả theo dõi"), "text"),
                      ("follow_up_status", tr_noop("Reports", "Tình trạng thực hiện"), md.FULFILMENT),
                      ("follow_up_on", tr_noop("Reports", "Ngày theo dõi tiếp"), "date")],
    },
    countdown=False,
)

# ------------------------------------------------------------------------------------------ violations
ADMIN_VIOLATION = RegisterScreens(
    kind="admin_violation",
    tab_title=tr_noop("Reports", "Vi phạm hành chính"),
    new_label=tr_noop("Reports", "Lập biên bản vi phạm"),
    intake_title=tr_noop("Reports", "Lập biên bản vi phạm hành chính"),
    due_what=tr_noop("Reports", "Ra quyết định xử phạt / xử lý tang vật"),
    columns=lambda language: [Column("register_no", tr_lazy("Reports", "Số")),
                              Column("recorded_at", tr_lazy("Reports", "Lập biên bản"), office_datetime),
                              Column("violator_name", tr_lazy("Reports", "Người vi phạm")),
                              Column("violation", tr_lazy("Reports", "Hành vi"))],
    list_values=lambda r, _open: {},
    headline=lambda r: f"{r.get('violator_name') or ''} — {r.get('violation') or ''}",
    action_inputs={
        "hold_items": [("items_held", tr_noop("Reports", "Tang vật, phương tiện (mỗi dòng một thứ)"), "text")],
        "release_items": [("items_outcome", tr_noop("Reports", "Cách xử lý tang vật"), "line")],
        "decide": [("decision_no", tr_noop("Reports", "Số quyết định"), "line"),
                   ("sanction", tr_noop("Reports", "Hình thức xử phạt"), vl.SANCTIONS),
                   ("fine_amount", tr_noop("Reports", "Số tiền phạt (đồng)"), "int"),
                   ("additional_measures", tr_noop("Reports", "Hình thức bổ sung, biện pháp khắc phục"), "line")],
        "pay": [("fine_receipt_no", tr_noop("Reports", "Số biên lai"), "line")],
        "close": [("close_reason", tr_noop("Reports", "Lý do kết thúc"), "line")],
    },
    person_role=tr_noop("PersonLinks", "người vi phạm"),
)

# The registers' tabs, in this order; every report kind of the domain has its screens.
SCREENS: dict[str, RegisterScreens] = {s.kind: s for s in (CRIME_REPORT, PETITION, MEDIATION_CASE, ADMIN_VIOLATION)}
if set(SCREENS) != set(REPORTS):
    raise RuntimeError("a report kind without its screens, or screens without a kind: " +
                       ", ".join(sorted(set(SCREENS) ^ set(REPORTS))))


def register_columns(kind: str, language: Language) -> list[Column]:
    """The register's columns: the kind's own, then its status, its due time and the countdown."""
    screens = SCREENS[kind]
    status = Column("status", tr_lazy("Reports", "Trạng thái"), _vocab(kind, "status", language))
    if not screens.countdown:
        return [*screens.columns(language), status, Column("due_at", tr_lazy("Reports", "Theo dõi"), office_datetime)]
    return [*screens.columns(language), status, Column("due_at", tr_lazy("Reports", "Hạn"), office_datetime),
            Column("remaining", tr_lazy("Reports", "Còn lại"), chip=due_chip)]
