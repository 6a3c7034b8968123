"""Appliance configuration: TOML, validated at load with errors that name file, key and value.

The smallest valid file has `[commune]` (code, name, province, agency_code) and `[store]` (path).
Other front ends read their own tables through `Config.section(name)`, which validates with the same
error style.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_PATH = "/etc/commune-edge/commune.toml"
ENV_VAR = "COMMUNE_EDGE_CONFIG"


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


class Section:
    """One TOML table of a config file; each accessor validates one key.

    Errors are `ConfigError("<file>: [<table>] <key>: expected …, got …")`.
    """

    def __init__(self, source: str, name: str, data: dict[str, Any] | None):
        self.source = source
        self.name = name
        self.data = dict(data or {})

    def __bool__(self) -> bool:
        return bool(self.data)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def error(self, key: str, expected: str, got: Any = REQUIRED) -> ConfigError:
        where = f"{self.source}: [{self.name}] {key}"
        if got is REQUIRED:
            return ConfigError(f"{where}: missing; expected {expected}")
        return ConfigError(f"{where}: expected {expected}, got {got!r}")

    def _get(self, key: str, default: Any, expected: str) -> Any:
        if key not in self.data:
            if default is REQUIRED:
                raise self.error(key, expected)
            return default
        return self.data[key]

    def str(self, key: str, default: Any = REQUIRED, *, choices: tuple[str, ...] | None = None,
            nonempty: bool = True) -> Any:
        expected = "one of " + ", ".join(repr(c) for c in choices) if choices else "a text string"
        value = self._get(key, default, expected)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, str) or (nonempty and not value.strip()):
            raise self.error(key, expected if isinstance(value, str) else f"{expected} (not {_kind(value)})",
                             value)
        if choices and value not in choices:
            raise self.error(key, expected, value)
        return value

    def int(self, key: str, default: Any = REQUIRED, *, min: int | None = None,
            max: int | None = None) -> Any:
        bounds = ""
        if min is not None and max is not None:
            bounds = f" from {min} to {max}"
        elif min is not None:
            bounds = f" ≥ {min}"
        elif max is not None:
            bounds = f" ≤ {max}"
        expected = f"a whole number{bounds}"
        value = self._get(key, default, expected)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, expected, value)
        if (min is not None and value < min) or (max is not None and value > max):
            raise self.error(key, expected, value)
        return value

    def float(self, key: str, default: Any = REQUIRED, *, min: float | None = None,
              max: float | None = None) -> Any:
        expected = "a number" + (f" from {min} to {max}" if min is not None and max is not None else "")
        value = self._get(key, default, expected)
        if value is default and key not in self.data:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, expected, value)
        if (min is not None and value < min) or (max is not None and value > max):
            raise self.error(key, expected, value)
        return float(value)

    def bool(self, key: str, default: Any = REQUIRED) -> Any:
        value = self._get(key, default, "true or false")
        if value is default and key not in self.data:
            return value
        if not isinstance(value, bool):
            raise self.error(key, "true or false", value)
        return value

    def path(self, key: str, default: Any = REQUIRED, *, must_exist: bool = False) -> Any:
        value = self.str(key, default)
        if value is default and key not in self.data:
            return value if value is None else Path(value)
        p = Path(value)
        if not p.is_absolute():
            p = (Path(self.source).parent / p) if self.source and self.source != "<defaults>" else p
        if must_exist and not p.exists():
            raise self.error(key, "the path of an existing file", value)
        return p

    def list_str(self, key: str, default: Any = REQUIRED) -> Any:
        value = self._get(key, default, "a list of text strings")
        if value is default and key not in self.data:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "a list of text strings", value)
        return list(value)

    def table(self, key: str) -> "Section":
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, "a table", value)
        return Section(self.source, f"{self.name}.{key}", value)

    def known(self, *keys: str) -> None:
        """Reject keys this table does not know (a typo should not be silently ignored)."""
        for key in self.data:
            if key not in keys:
                raise ConfigError(f"{self.source}: [{self.name}] {key}: unknown key; known keys are "
                                  + ", ".join(keys))


@dataclass(frozen=True)
class CommuneConfig:
    code: str
    name: str
    province: str
    agency_code: str
    desk: int = 1


@dataclass(frozen=True)
class StoreConfig:
    path: Path
    min_free_mb: int = 64
    busy_timeout_ms: int = 5000


@dataclass(frozen=True)
class KioskConfig:
    language: str = "vi"
    input_method: str = "telex"
    idle_seconds: int = 120
    staff_lock_seconds: int = 300
    counter: str = "1"


@dataclass(frozen=True)
class Config:
    path: str
    commune: CommuneConfig
    store: StoreConfig
    kiosk: KioskConfig
    data_dir: Path
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def has(self, name: str) -> bool:
        return isinstance(self.raw.get(name), dict)

    def section(self, name: str) -> Section:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: [{name}] must be a table")
        return Section(self.path, name, value)


def _digits(sec: Section, key: str, length: int) -> str:
    value = sec.str(key)
    if not (value.isdigit() and len(value) == length):
        raise sec.error(key, f"{length} digits", value)
    return value


def from_dict(raw: dict[str, Any], source: str = "<config>") -> Config:
    """Validate a parsed config document. Raises ConfigError naming the first bad key."""
    top = Section(source, "", raw)
    for name in ("commune", "store"):
        if not isinstance(raw.get(name), dict):
            raise ConfigError(f"{source}: missing table [{name}]")
    c = Section(source, "commune", raw["commune"])
    c.known("code", "name", "province", "agency_code", "desk")
    agency = c.str("agency_code")
    if not all(part.isalnum() for part in agency.split(".")) or len(agency) > 40:
        raise c.error("agency_code", "an agency code such as '000.00.19.H17'", agency)
    commune = CommuneConfig(
        code=_digits(c, "code", 5), name=c.str("name"), province=_digits(c, "province", 2),
        agency_code=agency, desk=c.int("desk", 1, min=1, max=9),
    )
    s = Section(source, "store", raw["store"])
    s.known("path", "min_free_mb", "busy_timeout_ms")
    store = StoreConfig(path=s.path("path"), min_free_mb=s.int("min_free_mb", 64, min=0),
                        busy_timeout_ms=s.int("busy_timeout_ms", 5000, min=1000, max=600_000))
    k = top.table("kiosk") if "kiosk" in raw else Section(source, "kiosk", {})
    k.known("language", "input_method", "idle_seconds", "staff_lock_seconds", "counter", "data_dir")
    kiosk = KioskConfig(language=k.str("language", "vi", choices=("vi", "en")),
                        input_method=k.str("input_method", "telex", choices=("telex", "vni", "off")),
                        idle_seconds=k.int("idle_seconds", 120, min=10),
                        staff_lock_seconds=k.int("staff_lock_seconds", 300, min=30),
                        counter=k.str("counter", "1"))
    data_dir = k.path("data_dir", None) or store.path.parent
    return Config(path=source, commune=commune, store=store, kiosk=kiosk, data_dir=Path(data_dir),
                  raw=raw)


def resolve_path(path: str | os.PathLike | None = None, env_var: str = ENV_VAR,
                 default: str = DEFAULT_PATH) -> str:
    """The config file to use: the argument, else the environment variable, else the system path."""
    return str(path or os.environ.get(env_var) or default)


def read_toml(path: str | os.PathLike | None, env_var: str = ENV_VAR,
              default: str = DEFAULT_PATH) -> tuple[str, dict[str, Any]]:
    """Find (see `resolve_path`) and parse a TOML config file: (its path, its tables).

    Raises ConfigError naming the file when it is missing, unreadable or not TOML.
    """
    where = resolve_path(path, env_var, default)
    try:
        with open(where, "rb") as f:
            return where, tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{where}: config file not found (give --config PATH or set {env_var})") from None
    except PermissionError:
        raise ConfigError(f"{where}: config file is not readable by this user") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a folder, not a config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where}: not valid TOML: {e}") from None


def load(path: str | os.PathLike | None = None) -> Config:
    """Read and validate the appliance config. Raises ConfigError that names file and key."""
    where, raw = read_toml(path)
    return from_dict(raw, where)


def read_secret(section: Section, key: str) -> str:
    """Read a secret file named by `key` (first line, stripped); it must not be world-readable."""
    path = section.path(key, must_exist=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise section.error(key, f"a secret file with mode 0600 (found {mode:04o})", str(path))
    return path.read_text(encoding="utf-8").strip()
