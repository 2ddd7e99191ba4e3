"""The server's tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create and change them.

Records are stored generically: one row per (kind, id) with its fields as JSON text; ``history`` keeps every
version's full state and is the pull feed (``seq`` is the cursor). Timestamps are ISO-8601 UTC text, which
sorts and compares the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL needs 64 bits for a long-lived feed.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

stations = Table(
    "stations", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("commune_code", String(8), nullable=False, index=True),
    Column("province_code", String(4), nullable=False),
    Column("status", String(16), nullable=False),  # pending (not enrolled yet), active, revoked
    Column("enroll_hash", String(64), unique=True),
    Column("enroll_expires", String(32)),
    Column("token_hash", String(64), unique=True),
    Column("next_token_hash", String(64), unique=True),  # rotation: becomes token_hash when first used
    Column("bundle_key", String(64)),
    Column("next_bundle_key", String(64)),
    Column("device", Text),
    Column("created_at", String(32), nullable=False),
    Column("enrolled_at", String(32)),
    Column("last_seen", String(32)),
    Column("revoked_at", String(32)),
    Column("app_version", String(64)),  # from the User-Agent of its last authenticated request (migration 0006)
    # signs the receipts' lookup links; survives token rotations (migration 0007, station_client.domain.receipt_link)
    Column("receipt_key", Text),
)

admin_tokens = Table(
    "admin_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("note", Text),
)

records = Table(
    "records", metadata,
    Column("kind", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    # "" for reference kinds. Read by commune on ix_records_scope_updated (commune_code, kind, updated_at) and
    # ix_records_scope_status (migrations 0008, 0009).
    Column("commune_code", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("fields", Text, nullable=False),
    Column("origin", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    # A live person's personal ID (else null), the key duplicates are found by (province_server/duplicates.py):
    # ix_records_person_id (person_id, commune_code) holds the non-null ones (migration 0011).
    Column("person_id", String(64)),
)

history = Table(
    "history", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("fields", Text, nullable=False),
    Column("changed", Text, nullable=False),  # JSON list of the field names this version changed
    Column("origin", String(32), nullable=False),
    Column("change_id", String(64)),
    Column("commune_code", String(8), nullable=False),
    Column("at", String(32), nullable=False),
    # The older epoch whose version this one re-applies with the same number (a change re-sent after a restore
    # and applied as a fast-forward of the lost history); null for every other version (migration 0003).
    Column("replay_epoch", String(64)),
    Index("ix_history_scope_seq", "commune_code", "seq"),
    Index("ix_history_record", "kind", "id", "version"),
)

applied_changes = Table(
    "applied_changes", metadata,
    Column("change_id", String(64), primary_key=True),  # the dedup key: unique by construction
    Column("station_id", String(32), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("conflict_id", String(36)),  # set when the change was answered with a conflict (re-answered on retry)
    Column("at", String(32), nullable=False),
)

conflicts = Table(
    "conflicts", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("commune_code", String(8), nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("station_id", String(32), nullable=False),
    Column("change_id", String(64), nullable=False),
    Column("fields", Text, nullable=False),  # {"name": {"station": ..., "server": ...}}
    Column("server_version", Integer, nullable=False),
    Column("origin", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # open, resolved
    Column("created_at", String(32), nullable=False),
    Column("resolved_at", String(32)),
    Column("resolved_by", String(64)),
)

digests = Table(
    "digests", metadata,
    Column("commune_code", String(8), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("sum", String(16), nullable=False),
)

# Digest scheme 2 (docs/sync-protocol.md, "Divergence check"): per commune and bucket, the count and the sum
# (mod 2^64, 16 hex digits) of its commune-kind records' full-state terms, kept in step by every apply.
digest_buckets = Table(
    "digest_buckets", metadata,
    Column("commune_code", String(8), primary_key=True),
    Column("bucket", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
    Column("sum", String(16), nullable=False),
)

lookups = Table(
    "lookups", metadata,
    Column("code", String(32), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("commune_code", String(8), nullable=False),
    Column("status", Text),
    Column("due_at", Text),
    Column("updated_at", String(32), nullable=False),
)

scope_denials = Table(
    "scope_denials", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # read, write
    Column("at", String(32), nullable=False),
)

# A station's audit trail as it pushed it (hash chain; see province_server/audit.py): stored as is, so the
# province can recompute every hash. Verified on arrival; a push that does not extend the stored chain is
# refused and noted in audit_refusals.
audit_entries = Table(
    "audit_entries", metadata,
    Column("station_id", String(32), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("officer", Text, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("changes", Text, nullable=False),
    Column("change_id", String(64)),
    Column("record_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("received_at", String(32), nullable=False),
)

audit_refusals = Table(
    "audit_refusals", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("station_id", String(32), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("code", String(32), nullable=False),  # audit.hash, audit.link, audit.rewritten
    Column("entry_hash", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

# After a restore: a change that came before the version it depends on (another station's change still on its
# way) waits here and is applied as soon as that version arrives (migration 0003; docs/sync-protocol.md, "Epoch").
# ``wait_version``: the record version it applies on; ``replay``: 1 for a re-sent acknowledged change (applied
# before other changes waiting on the same version); ``body``: the change as the station sent it (JSON).
deferred_changes = Table(
    "deferred_changes", metadata,
    Column("change_id", String(64), primary_key=True),
    Column("station_id", String(32), nullable=False),
    Column("commune_code", String(8), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("wait_version", Integer, nullable=False),
    Column("replay", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("at", String(32), nullable=False),
    Column("n", Integer, nullable=False),  # arrival order: a station's changes of a record apply in this order
    Index("ix_deferred_record", "kind", "record_id", "wait_version"),
)

# The web console (province_server/console, migration 0006): staff accounts, their sessions, their audit trail.
staff = Table(
    "staff", metadata,
    Column("username", String(32), primary_key=True),
    Column("full_name", Text, nullable=False),
    Column("role", String(16), nullable=False),  # admin, viewer, agency
    Column("password_hash", Text, nullable=False),  # scrypt (station_client/domain/accounts.hash_password)
    Column("active", Boolean, nullable=False),
    Column("failures", Integer, nullable=False),  # wrong passwords in a row
    Column("locked_until", String(32)),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("last_login_at", String(32)),
)

staff_sessions = Table(
    "staff_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the session cookie
    Column("username", String(32), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("seen_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)

staff_audit = Table(
    "staff_audit", metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("username", String(32), nullable=False),  # "" before a login
    Column("action", String(48), nullable=False),
    Column("target", Text, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok, denied, failed
    Column("client", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # JSON; never a password, never personal data
    Index("ix_staff_audit_at", "at"),
)

# Sessions are left out: a backup restored is no reason to bring back who was logged in.
ALL_TABLES = (meta, stations, admin_tokens, records, history, applied_changes, conflicts, digests, lookups,
              scope_denials, audit_entries, audit_refusals, digest_buckets, deferred_changes,
              staff, staff_audit)
