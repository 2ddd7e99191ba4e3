"""The station's key file: the random data key that encrypts ``station.db``, stored only wrapped.

``station.keys`` (JSON, beside the database, owner-only) holds the 256-bit data key wrapped with AES-256-GCM:
once per officer under a key derived from that officer's password (scrypt), and once under the station's
recovery key (shown once to the station head at setup). Nothing in it opens the database without a password or
the recovery key. See docs/encryption.md.

A successful unwrap *holds* the data key in this process (``connection.hold_key``), so every later open of the
station file finds it. Entries are bound to their purpose with AES-GCM associated data (an officer's entry
cannot be moved to another username). The file also carries ``key_id`` (a hash of the data key, not the key)
so that a backup's key file and a station's can be matched without unwrapping anything.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from filelock import FileLock, Timeout

from ..clock import utcnow
from ..domain import accounts as account_rules
from .connection import KEY_BYTES, hold_key
from .connection import keys_path as keys_path  # its home is connection.py (opening a file needs it)
from .errors import KeyFileError, StoreError

FORMAT = "station-client-keys/1"

# Recovery key: 25 random symbols (125 bits) + 5 check symbols, in 6 groups of 5 — Crockford's base32
# alphabet (no I, L, O, U: nothing to confuse when read aloud or copied by hand; O/I/L typed are read as 0/1/1).
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_BODY = 25
_RECOVERY_CHECK = 5
_RECOVERY_SUBST = str.maketrans({"O": "0", "I": "1", "L": "1"})


class WrongPassword(StoreError):
    """The password (or recovery key) does not unwrap the data key."""


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_id(data_key: bytes) -> str:
    """Names a data key without revealing it (HMAC, not a plain hash, so it is useless as a key check oracle
    beyond what it is for: matching key files)."""
    return hmac.new(data_key, b"station-client key id", hashlib.sha256).hexdigest()[:16]


# ------------------------------------------------------------------------------------------- recovery key
def seal(data_key: bytes, secret: bytes, purpose: str) -> dict[str, Any]:
    """``secret`` (the station token) encrypted under a key derived from the data key: usable only while the data
    is unlocked — after an officer's login, or the recovery key. ``purpose`` binds it to one use."""
    nonce = os.urandom(12)
    aad = f"station-client/sealed/1/{purpose}".encode()
    return {"v": 1, "purpose": purpose, "key_id": key_id(data_key), "nonce": _b64(nonce),
            "sealed": _b64(AESGCM(_sealing_key(data_key)).encrypt(nonce, secret, aad))}


def unseal(data_key: bytes, sealed: dict[str, Any], purpose: str) -> bytes | None:
    """The secret ``seal`` made, or None (another key — the database was re-keyed since —, damaged, other use)."""
    try:
        aad = f"station-client/sealed/1/{purpose}".encode()
        return AESGCM(_sealing_key(data_key)).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["sealed"]), aad)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None


def _sealing_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"station-client/sealing-key/1", hashlib.sha256).digest()


def _check_symbols(body: str) -> str:
    digest = int.from_bytes(hashlib.sha256(b"station-client-recovery/1:" + body.encode()).digest()[:4], "big")
    return "".join(RECOVERY_ALPHABET[(digest >> (5 * i)) & 31] for i in range(_RECOVERY_CHECK))


def new_recovery_key() -> str:
    body = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(_RECOVERY_BODY))
    text = body + _check_symbols(body)
    return "-".join(text[i:i + 5] for i in range(0, len(text), 5))


def parse_recovery_key(text: str) -> str:
    """The 25 body symbols of a typed recovery key (spaces, dashes and case ignored). A typo is caught by the
    check symbols and reported as a typo, before any slow key derivation."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -\t\n").translate(_RECOVERY_SUBST)
    bad = sorted({ch for ch in cleaned if ch not in RECOVERY_ALPHABET})
    if bad or len(cleaned) != _RECOVERY_BODY + _RECOVERY_CHECK:
        raise WrongPassword(
            "Khóa khôi phục gồm 30 ký tự (6 nhóm 5 ký tự, chữ và số). Hãy kiểm tra lại.",
            "A recovery key has 30 characters (6 groups of 5 letters and digits). Check it again.")
    body, check = cleaned[:_RECOVERY_BODY], cleaned[_RECOVERY_BODY:]
    if not hmac.compare_digest(check, _check_symbols(body)):
        raise WrongPassword("Khóa khôi phục có ký tự gõ sai (không khớp mã kiểm tra). Hãy kiểm tra từng nhóm.",
                            "The recovery key has a typo (its check symbols do not match). Check each group.")
    return body


# ------------------------------------------------------------------------------------------------ wrapping
def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode())


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=account_rules.SCRYPT_MAXMEM)


def _officer_aad(username: str) -> bytes:
    return f"station-client/keys/1/officer/{username}".encode()


_RECOVERY_AAD = b"station-client/keys/1/recovery"


def _wrap(data_key: bytes, secret: str, aad: bytes, *, n: int | None = None) -> dict[str, Any]:
    """An entry (format 2): a key pair of its own, whose private half is wrapped under scrypt(``secret``) and
    whose public half receives the data key (``_box``). A re-key boxes the new data key to every entry's public
    key — no password needed — so a removed entry, or an old copy of the key file, opens only the old key."""
    n = n or account_rules.SCRYPT_N
    r, p = account_rules.SCRYPT_R, account_rules.SCRYPT_P
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = _scrypt(secret, salt, n, r, p)
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    return {"kdf": "scrypt", "n": n, "r": r, "p": p, "salt": _b64(salt), "nonce": _b64(nonce),
            "secret": _b64(AESGCM(kek).encrypt(nonce, private.private_bytes_raw(), aad)), "pk": _b64(public),
            "box": _box(data_key, public, aad)}


def _box(data_key: bytes, public: bytes, aad: bytes) -> dict[str, str]:
    """``data_key`` for the holder of ``public``'s private key (X25519 with a fresh ephemeral key, AES-GCM)."""
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    epk = ephemeral.public_key().public_bytes_raw()
    nonce = secrets.token_bytes(12)
    return {"epk": _b64(epk), "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(_box_key(shared, epk, public)).encrypt(nonce, data_key, aad))}


def _box_key(shared: bytes, epk: bytes, public: bytes) -> bytes:
    return hashlib.sha256(b"station-client/keys/2/box\x1f" + shared + epk + public).digest()


def _unbox(box: dict[str, Any], private_raw: bytes, aad: bytes) -> bytes | None:
    try:
        private = X25519PrivateKey.from_private_bytes(private_raw)
        epk = _unb64(box["epk"])
        shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
        public = private.public_key().public_bytes_raw()
        key = AESGCM(_box_key(shared, epk, public)).decrypt(_unb64(box["nonce"]), _unb64(box["wrapped"]), aad)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None
    return key if len(key) == KEY_BYTES else None


def _unwrap_with_kek(entry: dict[str, Any], kek: bytes, aad: bytes) -> bytes | None:
    try:
        if "pk" in entry:  # format 2: the private key, then the data key boxed to it
            private_raw = AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["secret"]), aad)
            return _unbox(entry["box"], private_raw, aad)
        key = AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None
    return key if len(key) == KEY_BYTES else None


def _unwrap(entry: dict[str, Any], secret: str, aad: bytes) -> bytes | None:
    try:
        kek = _scrypt(secret, _unb64(entry["salt"]), int(entry["n"]), int(entry["r"]), int(entry["p"]))
    except (KeyError, ValueError, TypeError):
        return None
    return _unwrap_with_kek(entry, kek, aad)


def _entry_id(entry: dict[str, Any] | None) -> Any:
    """What identifies one entry (its wrapped secret) across a read-modify-write of the key file."""
    return None if entry is None else (entry.get("secret") or entry.get("wrapped"))


def rekeyed(data: dict[str, Any], old_key: bytes, new_key: bytes) -> tuple[dict[str, Any], list[str], bool]:
    """The key file's content for ``new_key``: every format-2 entry gets the new key boxed to its public key.
    Entries of format 1 (made before this version, or legacy entries derived from a password hash) cannot be
    re-boxed without their secret: they are dropped — listed (the head resets those officers' passwords); the
    bool says the recovery entry was dropped (a new recovery key is then needed)."""
    if data.get("key_id") != key_id(old_key):
        raise KeyFileError("Khóa dữ liệu không khớp với tệp khóa.", "The data key does not match the key file.")
    out = {k: v for k, v in data.items() if k not in ("officers", "recovery", "rekey_due", "rekey_reasons")}
    out["key_id"] = key_id(new_key)
    out["rekeyed_at"] = utcnow().isoformat()  # entries derived from older hashes are not made again (accounts.py)
    out["officers"] = {}
    dropped: list[str] = []
    for name, entry in data["officers"].items():
        if isinstance(entry, dict) and "pk" in entry:
            out["officers"][name] = {**entry, "box": _box(new_key, _unb64(entry["pk"]), _officer_aad(name))}
        else:
            dropped.append(name)
    recovery = data.get("recovery")
    if isinstance(recovery, dict) and "pk" in recovery:
        out["recovery"] = {**recovery, "box": _box(new_key, _unb64(recovery["pk"]), _RECOVERY_AAD)}
        return out, dropped, False
    return out, dropped, True


def unwrap_password(keyfile: str | Path, username: str, password: str) -> bytes | None:
    """The data key from any key file (a station's, a pending re-key's, an old copy's) and a password; nothing
    is written, nothing held."""
    data = load(keyfile)
    entry = data["officers"].get(_user(username))
    key = _unwrap(entry, password, _officer_aad(_user(username))) if isinstance(entry, dict) else None
    return key if key is not None and key_id(key) == data.get("key_id") else None


# ------------------------------------------------------------------------------------------- the key file
def _damaged(path: Path, why: str) -> KeyFileError:
    return KeyFileError(f"Tệp khóa {path.name} bị hỏng hoặc không đúng định dạng ({why}). Dữ liệu không bị thay "
                        "đổi; hãy chép lại tệp khóa từ bản sao lưu hoặc dùng khóa khôi phục.",
                        f"The key file {path.name} is damaged or not a key file ({why}). The data was not changed; "
                        "copy the key file back from a backup or use the recovery key.")


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise KeyFileError(
            f"Không tìm thấy tệp khóa {path.name} bên cạnh dữ liệu đã mã hóa. Hãy chép lại tệp khóa (có trong "
            "thư mục dữ liệu và cạnh mỗi bản sao lưu).",
            f"The key file {path.name} is missing beside the encrypted data. Copy it back (it is in the data "
            "folder and beside every backup).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _damaged(path, type(exc).__name__) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("officers"), dict):
        raise _damaged(path, "format")
    return data


def save(path: str | Path, data: dict[str, Any], *, lock: bool = True) -> None:
    """Write atomically and durably, readable by the owner only: a crash leaves the old file or the new one.
    Under the key file's lock (``locked``): writers share one temporary name. A change of part of the file goes
    through ``updating`` instead, which reads the file under the same lock. ``lock=False`` for a copy that no
    other process writes (the key file beside a new backup), so no lock file is left on the backup's medium."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with locked(path) if lock else contextlib.nullcontext():
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps(data, indent=1, sort_keys=True).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)


# The key file is read-modify-written by whichever process changes it (the app, a headless command, the task
# scheduler's sync): without a lock, two changes in the same instant keep only the last write, e.g. a new
# officer's entry lost to another process's wrong-password count. The lock is a separate file because the key
# file itself is replaced (a new inode) by every write; ``filelock`` takes it (fcntl on POSIX, msvcrt on Windows).
# Threads of one process take it in turn (``_thread_lock``); a thread that holds it may take it again (``save``
# inside ``updating``): one FileLock per lock file, whose count makes it re-entrant.
LOCK_SUFFIX = ".lock"
LOCK_TIMEOUT_S = 30.0  # a writer holds the lock for one scrypt and one fsync'd write: milliseconds
_thread_lock = threading.RLock()
_file_locks: dict[str, FileLock] = {}  # lock file -> its lock (used only under _thread_lock)


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[None]:
    """Hold the exclusive lock of key file ``path`` (``<path>.lock``). A writer stuck for LOCK_TIMEOUT_S is
    reported (KeyFileError) rather than waited for."""
    lock_path = Path(path).with_name(Path(path).name + LOCK_SUFFIX)
    name = str(lock_path.absolute())
    with _thread_lock:
        lock = _file_locks.get(name)
        if lock is None:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = _file_locks[name] = FileLock(name, mode=0o600, thread_local=False)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_S, poll_interval=0.005)
        except Timeout:
            raise KeyFileError(
                f"Tệp khóa đang được một chương trình khác ghi quá lâu ({lock_path.name}); thử lại sau.",
                f"Another program has been writing the key file for too long ({lock_path.name}); try again later."
            ) from None
        try:
            yield
        finally:
            lock.release()


@contextlib.contextmanager
def updating(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read-modify-write the key file under its lock: the caller changes the dict it gets, which is written back
    if it changed (an exception writes nothing). Keep slow work (scrypt) outside, before the ``with``."""
    path = Path(path)
    with locked(path):
        data = load(path)
        before = json.dumps(data, sort_keys=True)
        yield data
        if json.dumps(data, sort_keys=True) != before:
            save(path, data)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to fsync and orders renames itself."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_keyfile(data_key: bytes, recovery_key: str, *, n: int | None = None) -> dict[str, Any]:
    return {"format": FORMAT, "key_id": key_id(data_key), "officers": {},
            "recovery": _wrap(data_key, parse_recovery_key(recovery_key), _RECOVERY_AAD, n=n)}


def create(db_path: str | Path, data_key: bytes, username: str, password: str, *, n: int | None = None) -> str:
    """Write the key file of a newly encrypted station: the first officer's entry and the recovery entry.
    Returns the recovery key, to be shown once (it is not stored anywhere)."""
    path = keys_path(db_path)
    if path.exists():
        raise KeyFileError(f"Đã có tệp khóa {path.name}; không ghi đè.", f"{path.name} exists; not overwritten.")
    recovery = new_recovery_key()
    data = new_keyfile(data_key, recovery, n=n)
    data["officers"][_user(username)] = _wrap(data_key, password, _officer_aad(_user(username)), n=n)
    save(path, data)
    return recovery


def _user(username: str) -> str:
    return (username or "").strip().lower()


def officers(db_path: str | Path) -> list[str]:
    return sorted(load(keys_path(db_path))["officers"])


# ---------------------------------------------------------------------------- functions others call
def add_officer_key(db_path: str | Path, data_key: bytes, username: str, password: str, *,
                    n: int | None = None) -> None:
    """Give an officer (new, or whose password the station head reset) an entry under ``password``. Needs the
    data key: the caller is logged in (``connection.held_key(db_path)``)."""
    entry = _wrap(data_key, password, _officer_aad(_user(username)), n=n)  # the slow part, outside the lock
    with updating(keys_path(db_path)) as data:
        if data.get("key_id") != key_id(data_key):
            raise KeyFileError("Khóa dữ liệu không khớp với tệp khóa.", "The data key does not match the key file.")
        data["officers"][_user(username)] = entry


def rewrap_for_password(db_path: str | Path, username: str, new_password: str, *, data_key: bytes | None = None,
                        n: int | None = None) -> None:
    """After a password change: the officer's entry under the new password (the old entry is replaced, so the
    old password no longer opens anything)."""
    from .connection import held_key

    key = data_key if data_key is not None else held_key(db_path)
    if key is None:
        raise KeyFileError("Chưa mở khóa dữ liệu (cần đăng nhập).", "The data is not unlocked (log in first).")
    add_officer_key(db_path, key, username, new_password, n=n)


def add_officer_key_from_hash(db_path: str | Path, username: str, password_hash: str) -> None:
    """An officer whose password is known only as its account hash (issued by the province): a legacy entry
    (``legacy_entry``), replaced at their first login. Needs the key held."""
    from .connection import held_key

    key = held_key(db_path)
    entry = legacy_entry(key, username, password_hash) if key is not None else None
    if entry is None:
        return
    with updating(keys_path(db_path)) as data:
        data["officers"][_user(username)] = entry


def remove_officer_key(db_path: str | Path, username: str, *, rekey: bool = False,
                       reason: str = "account.disabled") -> None:
    """An officer account disabled or removed: their password no longer opens this key file. ``rekey``: an
    older copy of the key file still holds their entry, so the data key itself must change — the re-key is made
    due (``rekey_due``, with ``reason``: ``rekey_reasons``); the running app runs it at once, else it runs at a
    station head's next unlock (``unlock.unlock``)."""
    with updating(keys_path(db_path)) as data:
        data["officers"].pop(_user(username), None)
        if rekey:
            _note_rekey_due(data, username, reason)


def make_rekey_due(db_path: str | Path, username: str, reason: str) -> None:
    """An older copy of the key file holds an entry of ``username`` that should open nothing new (the head reset
    their password: the old one is in older copies): the data key must change (``rekey_due``)."""
    with updating(keys_path(db_path)) as data:
        _note_rekey_due(data, username, reason)


def _note_rekey_due(data: dict[str, Any], username: str, reason: str) -> None:
    """Why the next re-key is made (who, what happened, when): listed by its audit entry for the head's list of
    entries a re-key dropped (``accounts.dropped_key_entries``)."""
    data["rekey_due"] = True
    data.setdefault("rekey_reasons", []).append({"user": _user(username), "event": reason,
                                                 "at": utcnow().isoformat()})


def rekey_reasons(data: dict[str, Any]) -> list[dict[str, str]]:
    """The reasons noted for a due re-key (``_note_rekey_due``), well-formed ones only."""
    return [{"user": str(r.get("user") or ""), "event": str(r.get("event") or ""), "at": str(r.get("at") or "")}
            for r in data.get("rekey_reasons") or [] if isinstance(r, dict)]


def has_officer_key(db_path: str | Path, username: str) -> bool:
    with contextlib.suppress(KeyFileError):
        return _user(username) in load(keys_path(db_path))["officers"]
    return False


# ----------------------------------------------------------------------------- the station's name, in clear
STATION_NAME_MAX = 200


def station_name(db_path: str | Path) -> str:
    """The station's display name kept in clear in the key file, for the login page and the window title of a
    locked station (the name lives in the database, which cannot be read before a login). Not personal data and
    not a secret: whoever holds the file learns which station it belongs to, as the folder already tells them.
    Unauthenticated too (anyone who can write the file can change it): it is shown, never trusted. '' if none."""
    with contextlib.suppress(KeyFileError):
        name = load(keys_path(db_path)).get("station_name")
        return name if isinstance(name, str) else ""
    return ""


def set_station_name(db_path: str | Path, name: str) -> bool:
    """Keep ``name`` in the key file (if there is one and it differs). True if the file was written."""
    path = keys_path(db_path)
    if not path.exists():
        return False
    clean = " ".join(str(name or "").split())[:STATION_NAME_MAX]
    with updating(path) as data:
        if data.get("station_name", "") == clean:
            return False
        data["station_name"] = clean
    return True


# ------------------------------------------------------------------------------------------------ unlocking
_WRONG = ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")


def unlock_with_password(db_path: str | Path, username: str, password: str, *,
                         now: datetime | None = None) -> bytes:
    """Unwrap the data key with an officer's password and hold it for ``db_path``. A wrong password counts
    towards the same lockout as the account check (MAX_FAILURES in a row: LOCK_MINUTES), kept in the key file
    because the database cannot be opened to record it. Only the key file is written, never the database."""
    path = keys_path(db_path)
    data = load(path)
    user = _user(username)
    entry = data["officers"].get(user)
    if entry is None:
        _scrypt(password, b"timing-equaliser", account_rules.SCRYPT_N, account_rules.SCRYPT_R,
                account_rules.SCRYPT_P)  # an unknown name costs as long as a wrong password
        raise WrongPassword(*_WRONG)
    now = now or utcnow()
    locked_until = entry.get("locked_until")
    if locked_until and datetime.fromisoformat(locked_until) > now:
        minutes = max(1, round((datetime.fromisoformat(locked_until) - now).total_seconds() / 60))
        raise WrongPassword(f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Thử lại sau {minutes} phút.",
                            f"The account is locked after too many wrong passwords. Try again in {minutes} min.")
    key = _unwrap(entry, password, _officer_aad(user))
    if key is None or key_id(key) != data.get("key_id"):
        # Counted on the file as it is now, under its lock: another process's count or change since our read
        # is kept, not overwritten with the copy read before the (slow) unwrap.
        failures, locked = int(entry.get("failed", 0)) + 1, False
        with contextlib.suppress(OSError), updating(path) as fresh:  # a read-only key file must not crash
            current = fresh["officers"].get(user)
            if current is not None:
                failures = int(current.get("failed", 0)) + 1
                locked = failures >= account_rules.MAX_FAILURES
                current["failed"] = 0 if locked else failures
                current["locked_until"] = ((now + timedelta(minutes=account_rules.LOCK_MINUTES)).isoformat()
                                           if locked else None)
                _note_unaudited(fresh, user, "login.failed", now, {"failed_count": [failures - 1, failures]})
                if locked:
                    _note_unaudited(fresh, user, "account.locked", now,
                                    {"locked_until": [None, current["locked_until"]]})
        if locked:
            raise WrongPassword(
                f"Sai mật khẩu {account_rules.MAX_FAILURES} lần: tài khoản bị khóa {account_rules.LOCK_MINUTES} phút.",
                f"{account_rules.MAX_FAILURES} wrong passwords: the account is locked for "
                f"{account_rules.LOCK_MINUTES} minutes.")
        raise WrongPassword(*_WRONG)
    if entry.get("failed") or entry.get("locked_until") or entry.get("legacy") or "pk" not in entry:
        # A legacy entry (made from the pre-encryption password hash, which old plaintext copies hold) is
        # replaced by one under a fresh salt now that the password is known; an entry of format 1 (no key
        # pair: a re-key could not reach it) by one of format 2.
        fresh_entry = _wrap(key, password, _officer_aad(user)) if entry.get("legacy") or "pk" not in entry else None
        with contextlib.suppress(OSError), updating(path) as fresh:
            current = fresh["officers"].get(user)
            # Only the entry this password opened: one replaced meanwhile (a password change elsewhere) stays.
            if current is not None and _entry_id(current) == _entry_id(entry):
                fresh["officers"][user] = fresh_entry or {k: v for k, v in current.items()
                                                          if k not in ("failed", "locked_until")}
    hold_key(db_path, key)
    return key


# Account events that happen while the database is closed (wrong passwords and lockouts at a locked station's
# login page) wait in the key file until the next login opens the database and writes them into the audit chain
# (``unlock.after_login``). Bounded: a flood of wrong guesses keeps the newest.
UNAUDITED = "unaudited"
UNAUDITED_KEEP = 500


def _note_unaudited(data: dict[str, Any], user: str, event: str, now: datetime, changes: dict[str, Any]) -> None:
    events = data.setdefault(UNAUDITED, [])
    events.append({"user": user, "event": event, "at": now.isoformat(), "changes": changes})
    del events[:-UNAUDITED_KEEP]


def unaudited_events(db_path: str | Path) -> list[dict[str, Any]]:
    """The account events waiting in the key file for the audit chain, oldest first."""
    path = keys_path(db_path)
    if not path.exists():
        return []
    events = load(path).get(UNAUDITED) or []
    return [e for e in events if isinstance(e, dict)]


def forget_unaudited(db_path: str | Path, written: list[dict[str, Any]]) -> None:
    """Drop the events now in the audit chain (events added meanwhile by another process stay)."""
    with updating(keys_path(db_path)) as fresh:
        fresh[UNAUDITED] = [e for e in fresh.get(UNAUDITED) or [] if e not in written]
        if not fresh[UNAUDITED]:
            del fresh[UNAUDITED]


def unwrap_recovery(keyfile: str | Path, recovery_key: str) -> bytes:
    """The data key from a key file (a station's or a backup's) and the recovery key; not held."""
    body = parse_recovery_key(recovery_key)
    data = load(keyfile)
    entry = data.get("recovery")
    key = _unwrap(entry, body, _RECOVERY_AAD) if isinstance(entry, dict) else None
    if key is None or key_id(key) != data.get("key_id"):
        raise WrongPassword("Khóa khôi phục không đúng với dữ liệu của đơn vị này.",
                            "The recovery key does not belong to this station's data.")
    return key


def unlock_with_recovery(db_path: str | Path, recovery_key: str) -> bytes:
    key = unwrap_recovery(keys_path(db_path), recovery_key)
    hold_key(db_path, key)
    return key


def legacy_entry(data_key: bytes, username: str, password_hash: str) -> dict[str, Any] | None:
    """An entry for an officer whose password we do not know, made while encrypting an old plaintext store: the
    scrypt digest of their account hash *is* scrypt(password, salt), so their next login derives the same
    wrapping key. Replaced by a fresh entry at that login (``unlock_with_password``)."""
    try:
        scheme, n, r, p, salt, digest = password_hash.split("$")
    except ValueError:
        return None
    kek = _unb64(digest)
    if scheme != "scrypt" or len(kek) != 32:
        return None
    nonce = secrets.token_bytes(12)
    return {"kdf": "scrypt", "n": int(n), "r": int(r), "p": int(p), "salt": salt, "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(kek).encrypt(nonce, data_key, _officer_aad(_user(username)))), "legacy": True}
