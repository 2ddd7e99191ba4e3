"""Ordered schema migrations. ``PRAGMA user_version`` holds the number of the last one applied.

Rules: a migration, once released, never changes (stations offline for weeks will run it later); add a new
module ``mNNNN_*.py`` and list it below, in number order. Each is recorded in ``schema_migrations`` when
applied, so independent migrations apply whatever order they landed in. Numbers reserved for work in
progress: 2 dossiers, procedures and calendar; 3 reports, petitions, mediation, violations; 4 officer accounts;
5 sync additions; 6 statistics; 7 security; 8 statistics reports; 9 resync bases; 10 commune classification;
11 digest buckets; 12 duplicate persons; 13 restore replay; 14 the investigation agency's answer; 15 its intake notice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from . import (
    m0001_base,
    m0002_dossiers,
    m0003_reports,
    m0004_accounts,
    m0005_sync,
    m0006_statistics,
    m0007_security,
    m0008_stat_reports,
    m0009_resync_bases,
    m0010_commune_classes,
    m0011_digest,
    m0012_duplicates,
    m0013_restore_replay,
    m0014_agency,
    m0015_agency_notice,
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base: residents, audit, outbox, sync state", m0001_base.apply),
    Migration(2, "dossiers, procedure catalogue, calendar overrides", m0002_dossiers.apply),
    Migration(3, "crime reports, petitions, mediation, violations, deadline rules", m0003_reports.apply),
    Migration(4, "officer accounts; soft-deleted row indexes for list views", m0004_accounts.apply),
    Migration(5, "sync: conflict origin, offline bundles", m0005_sync.apply),
    Migration(6, "statistics: dossiers by result time", m0006_statistics.apply),
    Migration(7, "security: officer accounts issued by the province, must-change passwords", m0007_security.apply),
    Migration(8, "period reports submitted to the province", m0008_stat_reports.apply),
    Migration(9, "sync: versions known to the province kept aside during a resync", m0009_resync_bases.apply),
    Migration(10, "commune classification (remote communes); crime-report remote override reason",
              m0010_commune_classes.apply),
    Migration(11, "sync: divergence digest by bucket, kept incrementally", m0011_digest.apply),
    Migration(12, "duplicate persons: the province's review items, merge records", m0012_duplicates.apply),
    Migration(13, "sync: restore recovery (base epoch, acknowledged version, replay, orphan copies)",
              m0013_restore_replay.apply),
    Migration(14, "crime reports: the investigation agency's receipt, extension, decision and outcome notice",
              m0014_agency.apply),
    Migration(15, "crime reports: the investigation agency's notice of intake and its timeliness",
              m0015_agency_notice.apply),
)

LATEST = max(m.version for m in MIGRATIONS)
assert [m.version for m in MIGRATIONS] == sorted({m.version for m in MIGRATIONS}), "list migrations in order, once"
