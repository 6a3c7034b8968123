"""Province configuration (`province.toml`), validated at load with errors naming file and key.

Smallest valid file:

    [province]
    code = "02"
    name = "Hà Giang"
    [store]
    url = "sqlite:////var/lib/province-hub/central.db"
    [broker]
    url = "mqtt://127.0.0.1:1883"
    username = "province-receiver"
    password_file = "/etc/province-hub/mqtt.secret"

Optional keys (defaults): `[province] topic_prefix` ("vn/<code>"); `[broker] ca_file`,
`config_dir` ("/etc/province-hub/broker", where `broker-config` writes), `public_url` (the URL
written into commune bundles, default "mqtts://<host of url>:8883"), `keepalive` (30);
`[receiver] group` ("receivers"), `client_id` (auto), `max_wire_bytes`, `max_raw_bytes`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from edge import config as edge_config
from edge.config import Section
from edge.errors import ConfigError

from . import wire

DEFAULT_PATH = "/etc/province-hub/province.toml"
ENV_VAR = "PROVINCE_HUB_CONFIG"


@dataclass(frozen=True)
class BrokerUrl:
    """A parsed `mqtt://host:port` or `mqtts://host:port` URL."""
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return self.scheme == "mqtts"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_broker_url(section: Section, key: str, value: str | None = None) -> BrokerUrl:
    """Parse a broker URL from `section[key]`. Raises ConfigError naming the key."""
    text = value if value is not None else section.str(key)
    try:
        u = urlsplit(text)
        port = u.port
    except ValueError:
        raise section.error(key, "a URL like mqtt://host:1883 or mqtts://host:8883", text) from None
    if u.scheme not in ("mqtt", "mqtts") or not u.hostname:
        raise section.error(key, "a URL like mqtt://host:1883 or mqtts://host:8883", text)
    return BrokerUrl(u.scheme, u.hostname, port or (8883 if u.scheme == "mqtts" else 1883))


@dataclass(frozen=True)
class BrokerSettings:
    url: BrokerUrl
    username: str
    password_file: Path
    ca_file: Path | None
    config_dir: Path
    public_url: str
    keepalive: int


@dataclass(frozen=True)
class ProvinceConfig:
    path: str
    code: str
    name: str
    topic_prefix: str
    store_url: str
    broker: BrokerSettings
    receiver_group: str
    receiver_client_id: str | None
    max_wire_bytes: int
    max_raw_bytes: int
    raw: dict[str, Any]

    @property
    def topics(self) -> wire.Topics:
        return wire.Topics(self.topic_prefix)

    def password(self) -> str:
        """The broker password from its secret file (must be mode 0600). Raises ConfigError."""
        from edge.config import read_secret
        return read_secret(Section(self.path, "broker", {"password_file": str(self.broker.password_file)}),
                           "password_file")


def from_dict(raw: dict[str, Any], source: str = "<config>") -> ProvinceConfig:
    """Validate a parsed province config. Raises ConfigError naming the first bad key."""
    for name in ("province", "store", "broker"):
        if not isinstance(raw.get(name), dict):
            raise ConfigError(f"{source}: missing table [{name}]")
    for name in raw:
        if name not in ("province", "store", "broker", "receiver", "dashboard"):
            raise ConfigError(f"{source}: [{name}]: unknown table; known tables are province, store, "
                              "broker, receiver, dashboard")
    p = Section(source, "province", raw["province"])
    p.known("code", "name", "topic_prefix")
    code = p.str("code")
    if not (code.isdigit() and len(code) == 2):
        raise p.error("code", "2 digits", code)
    prefix = p.str("topic_prefix", f"vn/{code}")
    if any(ch in prefix for ch in "+#") or prefix.startswith("/") or prefix.endswith("/") or "$" in prefix:
        raise p.error("topic_prefix", "topic levels without +, #, $ or leading/trailing /", prefix)
    s = Section(source, "store", raw["store"])
    s.known("url")
    url = s.str("url")
    if not (url.startswith("sqlite:///") or url.startswith("postgresql://") or url.startswith("postgres://")):
        raise s.error("url", "sqlite:///PATH or postgresql://USER@HOST/DB", url)
    b = Section(source, "broker", raw["broker"])
    b.known("url", "username", "password_file", "ca_file", "config_dir", "public_url", "keepalive")
    burl = parse_broker_url(b, "url")
    public = b.str("public_url", f"mqtts://{burl.host}:8883")
    parse_broker_url(b, "public_url", public)
    broker = BrokerSettings(
        url=burl, username=b.str("username"), password_file=b.path("password_file"),
        ca_file=b.path("ca_file", None), config_dir=b.path("config_dir", "/etc/province-hub/broker"),
        public_url=public, keepalive=b.int("keepalive", 30, min=5, max=3600))
    r = Section(source, "receiver", raw.get("receiver", {}))
    if "receiver" in raw and not isinstance(raw["receiver"], dict):
        raise ConfigError(f"{source}: [receiver] must be a table")
    r.known("group", "client_id", "max_wire_bytes", "max_raw_bytes")
    group = r.str("group", "receivers")
    if any(ch in group for ch in "/+#"):
        raise r.error("group", "a name without /, + or #", group)
    return ProvinceConfig(
        path=source, code=code, name=p.str("name"), topic_prefix=prefix, store_url=url, broker=broker,
        receiver_group=group, receiver_client_id=r.str("client_id", None),
        max_wire_bytes=r.int("max_wire_bytes", wire.MAX_WIRE_BYTES, min=1024, max=256_000_000),
        max_raw_bytes=r.int("max_raw_bytes", wire.MAX_RAW_BYTES, min=1024, max=1_000_000_000),
        raw=raw)


def resolve_path(path: str | os.PathLike | None = None) -> str:
    """The config file to use: the argument, else $PROVINCE_HUB_CONFIG, else the system path."""
    return edge_config.resolve_path(path, ENV_VAR, DEFAULT_PATH)


def load(path: str | os.PathLike | None = None) -> ProvinceConfig:
    """Read and validate `province.toml`. Raises ConfigError that names file and key."""
    where, raw = edge_config.read_toml(path, ENV_VAR, DEFAULT_PATH)
    return from_dict(raw, where)


def toml_value(v: Any) -> str:
    """Render a str/int/bool/float as a TOML value (strings escaped)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def render_toml(tables: dict[str, dict[str, Any]]) -> str:
    """Render a two-level dict as TOML text (tables of scalars only)."""
    out = []
    for name, values in tables.items():
        out.append(f"[{name}]")
        for k, v in values.items():
            if v is not None:
                out.append(f"{k} = {toml_value(v)}")
        out.append("")
    return "\n".join(out)
