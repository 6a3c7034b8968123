"""Provisioning bundles and appliance roots for the image tests."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLE_CONFIG = """[commune]
code = "{code}"
name = "{name}"
province = "02"
agency_code = "000.00.19.H17"

[store]
path = "/var/lib/commune-edge/c.db"

[sync]
broker = "mqtts://hub.example:8883"
username = "{code}"
password_file = "/etc/commune-edge/mqtt.secret"
ca_file = "/etc/commune-edge/ca.pem"
"""


def make_bundle(folder: Path, *, code: str = "00001", name: str = "Xã Demo",
                config: str | None = None) -> Path:
    """A bundle as `province-hub commune add` makes it: commune.toml and the secrets it names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "commune.toml").write_text(config or BUNDLE_CONFIG.format(code=code, name=name),
                                         encoding="utf-8")
    (folder / "mqtt.secret").write_text(f"secret-of-{code}\n", encoding="utf-8")
    (folder / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                                   encoding="utf-8")
    for f in folder.iterdir():
        f.chmod(0o600)
    return folder


def service_ids() -> tuple[int, int]:
    """uid/gid the service user gets in a test root: a foreign one when we may chown, else ours."""
    if os.geteuid() == 0:
        return 4242, 4243
    return os.getuid(), os.getgid()


def make_root(root: Path) -> Path:
    """An appliance root directory as the image leaves it: passwd with the service user, /boot."""
    uid, gid = service_ids()
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\n"
        f"commune-edge:x:{uid}:{gid}::/var/lib/commune-edge:/usr/sbin/nologin\n", encoding="utf-8")
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n127.0.1.1\tcommune-unprovisioned\n",
                                    encoding="utf-8")
    (root / "boot/firmware").mkdir(parents=True, exist_ok=True)
    return root
