"""Each report kind is declared once (its domain module's ``REPORT`` and its screens in ``ui/reports/kinds.py``):
what a new kind's declaration must hold together, checked against its record kind."""

from __future__ import annotations

from station_client.domain.registry import KINDS, REPORTS
from station_client.store import reports as R


def test_every_report_kind_names_real_fields_and_a_register_of_its_own() -> None:
    assert len({r.register for r in REPORTS.values()}) == len(REPORTS)
    for name, report in REPORTS.items():
        fields = KINDS[name].by_name
        assert report.at_field in fields, name
        assert set(report.search_columns) <= set(fields), name
        assert set(report.vocabularies) <= set(fields), name
        assert report.person_field is None or report.person_field in fields, name
        assert report.personal_id_field is None or report.personal_id_field in fields, name
        assert set(report.open_statuses) <= set(report.statuses), name
        assert all(set(a.sources) <= set(report.statuses) for a in report.actions.values()), name
        assert report.vocabularies.get("status", report.statuses) == report.statuses, name


def test_the_store_and_the_screens_list_exactly_the_registry_kinds(qapp) -> None:  # type: ignore[no-untyped-def]
    from station_client.ui.reports.kinds import SCREENS

    assert tuple(SCREENS) == R.KINDS == tuple(REPORTS)
    for name, screens in SCREENS.items():
        assert set(screens.action_inputs) <= set(REPORTS[name].actions), name
        assert screens.person_role or REPORTS[name].person_field is None, name
