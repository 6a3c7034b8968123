"""Staff accounts of the commune office: roles, PIN login, lock-out after repeated failures.

PINs are 4–8 digits, kept only as a salted scrypt hash (`scrypt$n$r$p$salt$hash`, hex). After
MAX_FAILED wrong PINs in a row the account is locked for LOCKOUT_MINUTES. Accounts are local to the
appliance (never synced) but every change and every login attempt goes to the audit log — never
the PIN itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import audit
from .clock import local_now, parse_iso, to_local
from .errors import AuthError, LockedOutError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from .store import Store

ROLES: dict[str, str] = {"officer": "Cán bộ một cửa", "leader": "Lãnh đạo", "admin": "Quản trị"}
MAX_FAILED = 5
LOCKOUT_MINUTES = 15
PIN_MIN, PIN_MAX = 4, 8
#: scrypt cost for new hashes (≈16 MiB, tens of ms on a Pi); tests lower these
SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
_PIN_RE = re.compile(r"[0-9]+")
_PUBLIC = "username, full_name, role, disabled, failed_attempts, locked_until, created_at, last_login_at"


@dataclass(frozen=True)
class StaffMember:
    """A logged-in member of staff."""

    username: str
    full_name: str
    role: str

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


# -- PIN hashing -------------------------------------------------------------------------------
def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                          maxmem=256 * n * r + 1024 * 1024)


def hash_pin(pin: str) -> str:
    """A new salted hash of a PIN: `scrypt$n$r$p$salt$hash`."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches the stored hash (constant-time compare); False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = _scrypt(pin, bytes.fromhex(salt), int(n), int(r), int(p))
        want = bytes.fromhex(digest)
    except (ValueError, TypeError, UnicodeEncodeError, MemoryError):
        return False
    return hmac.compare_digest(got, want)


def is_trivial_pin(pin: str) -> bool:
    """True for all-same or straight-sequence PINs (0000, 1234, 98765) — the first ones guessed.

    The library accepts them (the demo accounts use them); the `staff` CLI, which makes the real
    accounts of an appliance, refuses them, and so should a kiosk's change-PIN screen.
    """
    if not isinstance(pin, str) or not _PIN_RE.fullmatch(pin):
        return False
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:])}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def check_pin(pin: Any) -> str:
    """Return the PIN when it is 4–8 ASCII digits; else ValidationError (field pin)."""
    if not isinstance(pin, str) or not _PIN_RE.fullmatch(pin) or not PIN_MIN <= len(pin) <= PIN_MAX:
        raise ValidationError(f"Mã PIN phải có {PIN_MIN}–{PIN_MAX} chữ số (pin: expected {PIN_MIN} to "
                              f"{PIN_MAX} digits)", {"pin": f"expected {PIN_MIN} to {PIN_MAX} digits"})
    return pin


# -- validation --------------------------------------------------------------------------------
def _check_username(username: Any) -> str:
    value = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME_RE.fullmatch(value):
        raise ValidationError("Tên đăng nhập 2–32 ký tự: chữ thường không dấu, số, '.', '_', '-' (username: "
                              "expected 2-32 of a-z 0-9 . _ -, starting with a letter or digit)",
                              {"username": "expected 2-32 of a-z 0-9 . _ -"})
    return value


def _check_full_name(full_name: Any) -> str:
    value = " ".join(unicodedata.normalize("NFC", full_name).split()) if isinstance(full_name, str) else ""
    if not value or len(value) > 100 or not all(ch == " " or unicodedata.category(ch)[0] in "LM"
                                                for ch in value):
        raise ValidationError("Họ tên chỉ gồm chữ cái và dấu cách, tối đa 100 ký tự (full_name: letters "
                              "and spaces, up to 100 characters)", {"full_name": "letters and spaces"})
    return value


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise ValidationError(f"Vai trò phải là một trong {', '.join(ROLES)} (role: expected one of "
                              f"{', '.join(ROLES)})", {"role": f"expected one of {', '.join(ROLES)}"})
    return role


def _row(store: "Store", username: str) -> dict[str, Any]:
    name = username.strip().lower() if isinstance(username, str) else ""
    rows = store.query("SELECT * FROM staff WHERE username = ?", (name,))
    if not rows:
        raise NotFoundError(f"Không có tài khoản {username!r} (no staff account with this username)")
    return rows[0]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in _PUBLIC.split(", ")}
    out["disabled"] = bool(out["disabled"])
    out["locked"] = bool(out["locked_until"]) and parse_iso(out["locked_until"]) > local_now()
    return out


def _now(now: datetime | None) -> datetime:
    return to_local(now) if now is not None else local_now()


def _iso(dt: datetime) -> str:
    from .store import iso
    return iso(dt)


# -- accounts ----------------------------------------------------------------------------------
def add(store: "Store", username: str, full_name: str, role: str, pin: str, actor: str) -> dict[str, Any]:
    """Create an account. Returns it (without the PIN hash).

    Raises ValidationError naming every bad field (username taken included).
    """
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, check, value in (("username", _check_username, username), ("full_name", _check_full_name,
                              full_name), ("role", _check_role, role), ("pin", check_pin, pin)):
        try:
            values[key] = check(value)
        except ValidationError as e:
            errors.update(e.errors)
    if errors:
        raise ValidationError("Tài khoản chưa hợp lệ (staff account is not valid):", errors)
    pin_hash = hash_pin(values["pin"])
    with store.atomic():
        if store.scalar("SELECT 1 FROM staff WHERE username = ?", (values["username"],)):
            raise ValidationError(f"Tên đăng nhập {values['username']} đã có (username: already taken)",
                                  {"username": "already taken"})
        now = _iso(local_now())
        store.conn.execute("INSERT INTO staff(username, full_name, role, pin_hash, created_at) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (values["username"], values["full_name"], values["role"], pin_hash, now))
        audit.append(store, actor, "staff.add", tbl="staff", record_id=values["username"],
                     detail={"role": values["role"]}, at=now)
        return _public(_row(store, values["username"]))


def list_staff(store: "Store") -> list[dict[str, Any]]:
    """Every account (without PIN hashes), by username."""
    return [_public(r) for r in store.query(f"SELECT {_PUBLIC} FROM staff ORDER BY username")]


def get(store: "Store", username: str) -> dict[str, Any]:
    """One account (without its PIN hash); raises NotFoundError."""
    return _public(_row(store, username))


def _change(store: "Store", username: str, actor: str, action: str, sets: dict[str, Any],
            detail: dict[str, Any] | None = None) -> dict[str, Any]:
    with store.atomic():
        row = _row(store, username)
        assignments = ", ".join(f"{k} = ?" for k in sets)
        store.conn.execute(f"UPDATE staff SET {assignments} WHERE username = ?",
                           (*sets.values(), row["username"]))
        audit.append(store, actor, action, tbl="staff", record_id=row["username"], detail=detail)
        return _public(_row(store, row["username"]))


def disable(store: "Store", username: str, actor: str) -> dict[str, Any]:
    """Disable an account (it can no longer log in). The last active admin cannot be disabled."""
    with store.atomic():
        row = _row(store, username)
        if row["role"] == "admin" and not row["disabled"]:
            admins = store.scalar("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = 0")
            if admins <= 1:
                raise ValidationError("Không thể khoá quản trị viên cuối cùng (username: the last active "
                                      "admin cannot be disabled)", {"username": "last active admin"})
        return _change(store, username, actor, "staff.disable", {"disabled": 1})


def enable(store: "Store", username: str, actor: str) -> dict[str, Any]:
    """Enable a disabled account again."""
    return _change(store, username, actor, "staff.enable", {"disabled": 0})


def unlock(store: "Store", username: str, actor: str) -> dict[str, Any]:
    """Lift a lock-out and clear the failed-attempt count."""
    return _change(store, username, actor, "staff.unlock", {"failed_attempts": 0, "locked_until": None})


def set_pin(store: "Store", username: str, pin: str, actor: str) -> dict[str, Any]:
    """Give an account a new PIN (also lifts a lock-out). Raises ValidationError for a bad PIN."""
    pin_hash = hash_pin(check_pin(pin))
    return _change(store, username, actor, "staff.set_pin",
                   {"pin_hash": pin_hash, "failed_attempts": 0, "locked_until": None})


def require_role(member: StaffMember, *roles: str) -> StaffMember:
    """Return the member when their role is one of `roles`; else AuthError naming what is needed."""
    if member.role not in roles:
        names = ", ".join(ROLES.get(r, r) for r in roles)
        raise AuthError(f"Chức năng này dành cho {names}; {member.username} là {member.role_name} "
                        f"(requires role {' or '.join(roles)}, not {member.role})")
    return member


# -- login -------------------------------------------------------------------------------------
_DUMMY_HASH: str | None = None


def _burn(pin: str) -> None:
    """Spend the same time as a real check, so an unknown username is not told apart by timing."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None or _DUMMY_HASH.split("$")[1:4] != [str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]:
        _DUMMY_HASH = hash_pin("0000")
    verify_pin(pin if isinstance(pin, str) else "", _DUMMY_HASH)


def _local_time(text: str) -> str:
    return parse_iso(text).strftime("%H:%M")


def login(store: "Store", username: str, pin: str, *, now: datetime | None = None) -> StaffMember:
    """Check a PIN and return the member.

    Raises AuthError for an unknown user, a wrong PIN (saying how many attempts remain) or a
    disabled account; LockedOutError (with `.until`) when the account is locked — the MAX_FAILED-th
    wrong PIN in a row locks it for LOCKOUT_MINUTES. Every attempt is audited, never the PIN.
    """
    at = _now(now)
    stamp = _iso(at)
    name = username.strip().lower() if isinstance(username, str) else ""
    bad = AuthError("Sai tên đăng nhập hoặc mã PIN (wrong username or PIN)")
    failure: AuthError | None = None
    with store.atomic():
        rows = store.query("SELECT * FROM staff WHERE username = ?", (name,))
        if not rows:
            _burn(pin)
            # keep the typed name only when it looks like a username (not a PIN typed in the wrong box)
            shown = name if _USERNAME_RE.fullmatch(name) and re.search(r"[a-z]", name) else None
            audit.append(store, shown or "?", "staff.login.failed", tbl="staff", record_id=shown,
                         detail={"reason": "unknown user"}, at=stamp)
            failure = bad
        else:
            row = rows[0]
            failure = _attempt(store, row, pin, at, stamp)
            if failure is None:
                return StaffMember(row["username"], row["full_name"], row["role"])
    raise failure


def _attempt(store: "Store", row: dict[str, Any], pin: str, at: datetime, stamp: str) -> AuthError | None:
    """One login attempt on an existing account, inside the caller's transaction.

    Returns None on success, else the error to raise after the transaction commits (the failure
    count and the audit row must be kept).
    """
    user = row["username"]
    if row["disabled"]:
        audit.append(store, user, "staff.login.disabled", tbl="staff", record_id=user, at=stamp)
        return AuthError(f"Tài khoản {user} đã bị khoá bởi quản trị viên (account is disabled)")
    if row["locked_until"]:
        until = parse_iso(row["locked_until"])
        if until - at > timedelta(minutes=LOCKOUT_MINUTES):
            # the clock went back (no RTC): never lock for longer than LOCKOUT_MINUTES from now
            until = at + timedelta(minutes=LOCKOUT_MINUTES)
            store.conn.execute("UPDATE staff SET locked_until = ? WHERE username = ?", (_iso(until), user))
        if at < until:
            audit.append(store, user, "staff.login.locked", tbl="staff", record_id=user,
                         detail={"until": _iso(until)}, at=stamp)
            return LockedOutError(f"Tài khoản {user} tạm khoá đến {_local_time(_iso(until))} vì nhập sai PIN "
                                  f"nhiều lần (locked until {_iso(until)})", _iso(until))
    if isinstance(pin, str) and verify_pin(pin, row["pin_hash"]):
        store.conn.execute("UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_login_at = ? "
                           "WHERE username = ?", (stamp, user))
        audit.append(store, user, "staff.login.ok", tbl="staff", record_id=user, at=stamp)
        return None
    failed = (0 if row["locked_until"] else row["failed_attempts"]) + 1
    if failed >= MAX_FAILED:
        until = _iso(at + timedelta(minutes=LOCKOUT_MINUTES))
        store.conn.execute("UPDATE staff SET failed_attempts = 0, locked_until = ? WHERE username = ?",
                           (until, user))
        audit.append(store, user, "staff.login.locked", tbl="staff", record_id=user,
                     detail={"failed": failed, "until": until}, at=stamp)
        return LockedOutError(f"Sai PIN {failed} lần: tài khoản {user} tạm khoá {LOCKOUT_MINUTES} phút, đến "
                              f"{_local_time(until)} (wrong PIN {failed} times; locked until {until})", until)
    store.conn.execute("UPDATE staff SET failed_attempts = ?, locked_until = NULL WHERE username = ?",
                       (failed, user))
    audit.append(store, user, "staff.login.failed", tbl="staff", record_id=user,
                 detail={"failed": failed}, at=stamp)
    left = MAX_FAILED - failed
    return AuthError(f"Sai mã PIN; còn {left} lần thử trước khi tài khoản bị tạm khoá "
                     f"(wrong PIN; {left} attempts left)")
