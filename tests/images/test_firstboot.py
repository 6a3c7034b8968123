"""First boot against a temporary root directory: a real bundle, then broken ones."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .bundles import make_bundle, make_root, service_ids

ROOT = Path(__file__).resolve().parents[2]
ROOTFS = ROOT / "images/pi-gen/stage-commune/00-commune/files/rootfs"
FIRSTBOOT = ROOTFS / "usr/local/sbin/commune-firstboot"
KIOSK = ROOTFS / "usr/local/bin/commune-kiosk"


def firstboot(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root), *args],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path / "root")


@pytest.fixture
def bundle(root: Path) -> Path:
    return make_bundle(root / "boot/firmware/commune-edge")


@pytest.fixture
def provisioned(root: Path, bundle: Path) -> Path:
    proc = firstboot(root)
    assert proc.returncode == 0, proc.stderr
    return root


def status(root: Path) -> str:
    return (root / "run/commune-edge/firstboot.txt").read_text(encoding="utf-8")


def test_bundle_is_installed_owner_only_for_the_service_user(provisioned: Path):
    uid, gid = service_ids()
    etc = provisioned / "etc/commune-edge"
    assert (etc.stat().st_mode & 0o777, etc.stat().st_uid) == (0o700, uid)
    for name in ("commune.toml", "mqtt.secret", "ca.pem"):
        st = (etc / name).stat()
        assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o600, uid, gid), name
    assert (etc / "mqtt.secret").read_text() == "secret-of-00001\n"


def test_store_is_initialised_at_the_configured_path(provisioned: Path):
    db = provisioned / "var/lib/commune-edge/c.db"
    assert db.stat().st_uid == service_ids()[0]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_hostname_is_named_for_the_commune(provisioned: Path):
    assert (provisioned / "etc/hostname").read_text() == "commune-00001\n"
    hosts = (provisioned / "etc/hosts").read_text()
    assert "127.0.1.1\tcommune-00001" in hosts and "unprovisioned" not in hosts


def test_secrets_are_removed_from_the_boot_partition(provisioned: Path):
    assert not (provisioned / "boot/firmware/commune-edge").exists()


def test_firewall_opens_the_brokers_port(provisioned: Path):
    nft = (provisioned / "etc/nftables.d/commune-ports.nft").read_text()
    assert "add element inet commune out_tcp { 8883 }" in nft


def test_success_is_reported_for_the_display(provisioned: Path):
    text = status(provisioned)
    assert text.startswith("state: ok\n") and "Xã Demo (00001)" in text
    assert "state: ok" in (provisioned / "etc/issue.d/commune-edge.issue").read_text()


def test_second_boot_without_bundle_keeps_everything(provisioned: Path):
    db = provisioned / "var/lib/commune-edge/c.db"
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO meta(key, value) VALUES ('marker', 'kept')")
    conn.commit()
    conn.close()
    before = (provisioned / "etc/commune-edge/commune.toml").read_bytes()
    proc = firstboot(provisioned)
    assert proc.returncode == 0, proc.stderr
    assert status(provisioned).startswith("state: ok\n")
    assert (provisioned / "etc/commune-edge/commune.toml").read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0] == "kept"
    conn.close()


def test_new_bundle_reprovisions_and_keeps_the_store(provisioned: Path):
    conn = sqlite3.connect(provisioned / "var/lib/commune-edge/c.db")
    device_id = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
    conn.close()
    make_bundle(provisioned / "boot/firmware/commune-edge", code="00001", name="Xã Mới")
    proc = firstboot(provisioned)
    assert proc.returncode == 0, proc.stderr
    assert 'name = "Xã Mới"' in (provisioned / "etc/commune-edge/commune.toml").read_text()
    assert not (provisioned / "etc/commune-edge.old").exists()
    conn = sqlite3.connect(provisioned / "var/lib/commune-edge/c.db")
    assert conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0] == device_id
    conn.close()


def test_missing_bundle_is_shown_on_the_display(root: Path):
    proc = firstboot(root)
    assert proc.returncode == 1
    text = status(root)
    assert text.startswith("state: failed\n")
    assert "no bundle found at" in text and "boot/firmware/commune-edge" in text
    assert not (root / "etc/commune-edge").exists()


def test_bundle_missing_a_secret_changes_nothing(root: Path, bundle: Path):
    (bundle / "mqtt.secret").unlink()
    proc = firstboot(root)
    assert proc.returncode == 1
    text = status(root)
    assert text.startswith("state: failed\n")
    assert "[sync] password_file" in text and "mqtt.secret" in text
    assert not (root / "etc/commune-edge").exists()
    assert not (root / "var/lib/commune-edge/c.db").exists()
    assert (bundle / "ca.pem").exists(), "a broken bundle stays for the technician to fix"
    assert (root / "etc/hostname").exists() is False


def test_bad_config_value_is_named_on_the_display(root: Path, bundle: Path):
    toml = (bundle / "commune.toml").read_text().replace('code = "00001"', 'code = "1"')
    (bundle / "commune.toml").write_text(toml)
    proc = firstboot(root)
    assert proc.returncode == 1
    assert "[commune] code: expected 5 digits, got '1'" in status(root)
    assert not (root / "etc/commune-edge").exists()


def test_broken_bundle_on_a_provisioned_appliance_keeps_the_old_config(provisioned: Path):
    before = (provisioned / "etc/commune-edge/commune.toml").read_bytes()
    bundle = provisioned / "boot/firmware/commune-edge"
    bundle.mkdir()
    (bundle / "commune.toml").write_text("[commune\n")
    proc = firstboot(provisioned)
    assert proc.returncode == 1
    assert "not valid TOML" in status(provisioned)
    assert (provisioned / "etc/commune-edge/commune.toml").read_bytes() == before


def _launcher(tmp_path: Path, config: Path, status_file: Path) -> subprocess.Popen:
    stub = tmp_path / "commune-edge"
    stub.write_text("#!/bin/sh\necho \"kiosk started with: $*\"\n")
    stub.chmod(0o755)
    env = dict(os.environ, COMMUNE_EDGE_CONFIG=str(config), COMMUNE_FIRSTBOOT_STATUS=str(status_file),
               COMMUNE_EDGE_BIN=str(stub))
    return subprocess.Popen(["sh", str(KIOSK)], stdout=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _read_until(proc: subprocess.Popen, needle: str, timeout: float = 10.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    return seen


def test_kiosk_shows_the_failure_message_instead_of_the_kiosk(tmp_path: Path, root: Path):
    firstboot(root)
    proc = _launcher(tmp_path, root / "etc/commune-edge/commune.toml", root / "run/commune-edge/firstboot.txt")
    try:
        seen = _read_until(proc, "PROVISIONING FAILED")
        assert "PROVISIONING FAILED" in seen and "kiosk started" not in seen
        assert proc.poll() is None, "the message stays on screen"
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()


def test_kiosk_starts_when_provisioned(tmp_path: Path, provisioned: Path):
    proc = _launcher(tmp_path, provisioned / "etc/commune-edge/commune.toml",
                     provisioned / "run/commune-edge/firstboot.txt")
    out, _ = proc.communicate(timeout=10)
    assert out.strip() == "kiosk started with: kiosk"


def test_firewall_with_the_generated_ports_passes_nft_check(provisioned: Path):
    nft = shutil.which("nft")
    if nft is None:
        pytest.skip("nftables is not installed")
    rules = (ROOTFS / "etc/nftables.conf").read_text(encoding="utf-8").replace(
        'include "/etc/nftables.d/*.nft"', f'include "{provisioned}/etc/nftables.d/*.nft"')
    ruleset = provisioned / "nftables.conf"
    ruleset.write_text(rules, encoding="utf-8")
    proc = subprocess.run([nft, "--check", "--file", str(ruleset)], capture_output=True, text=True)
    if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
        pytest.skip("nft --check needs CAP_NET_ADMIN here")
    assert proc.returncode == 0, proc.stderr
