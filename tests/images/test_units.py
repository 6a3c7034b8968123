"""The image's systemd units and shell scripts pass systemd-analyze verify and shellcheck, warning-free."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "images"
STAGE = IMAGES / "pi-gen" / "stage-commune"
ROOTFS = STAGE / "00-commune" / "files" / "rootfs"
UNITS = sorted((ROOTFS / "etc/systemd/system").glob("*.service"))
SHELL_SCRIPTS = [
    IMAGES / "build-image.sh",
    IMAGES / "pi-gen" / "config",
    STAGE / "prerun.sh",
    STAGE / "EXPORT_IMAGE",
    *sorted(STAGE.glob("*/*.sh")),
    ROOTFS / "usr/local/bin/commune-kiosk",
]


def _exec_paths(unit: Path) -> list[str]:
    paths = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip().startswith("Exec") and value:
            paths.append(value.strip().lstrip("-@:+!").split()[0])
    return paths


@pytest.fixture(scope="module")
def image_root(tmp_path_factory) -> Path:
    """A root directory holding the image's files, the host's stock units and stub executables."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    root = tmp_path_factory.mktemp("image-root")
    shutil.copytree(ROOTFS, root, dirs_exist_ok=True, symlinks=True)
    stock = Path("/usr/lib/systemd/system")
    shutil.copytree(stock, root / "usr/lib/systemd/system", symlinks=True)
    for unit in UNITS:
        for exe in _exec_paths(unit):
            stub = root / exe.lstrip("/")
            if not stub.exists():
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("#!/bin/sh\nexit 0\n")
                stub.chmod(0o755)
    return root


def test_every_unit_is_found():
    names = {u.name for u in UNITS}
    assert names == {"commune-firstboot.service", "commune-kiosk.service", "commune-sync.service",
                     "commune-hardware.service", "commune-backup.service"}


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_verifies_without_warnings(unit: Path, image_root: Path):
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={image_root}", unit.name],
                          capture_output=True, text=True, env=dict(os.environ, SYSTEMD_LOG_COLOR="0"))
    assert proc.returncode == 0 and proc.stdout.strip() == "" and proc.stderr.strip() == "", (
        proc.stdout + proc.stderr)


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=[str(s.relative_to(IMAGES.parent)) for s in SHELL_SCRIPTS])
def test_shell_script_passes_shellcheck(script: Path):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed")
    proc = subprocess.run(["shellcheck", "--severity=style", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_long_running_services_restart_and_never_give_up():
    for name in ("commune-kiosk", "commune-sync", "commune-hardware", "commune-backup"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(ROOTFS / f"etc/systemd/system/{name}.service")
        assert unit["Service"]["Restart"] in ("always", "on-failure"), name
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", name


def test_services_run_as_the_service_user_not_root():
    for name in ("commune-kiosk", "commune-sync", "commune-hardware", "commune-backup"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(ROOTFS / f"etc/systemd/system/{name}.service")
        assert unit["Service"]["User"] == "commune-edge", name


def test_hardware_watchdog_is_armed():
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(ROOTFS / "etc/systemd/system.conf.d/commune-watchdog.conf")
    assert conf["Manager"]["RuntimeWatchdogSec"] == "15s"


def test_journal_is_kept_in_memory_and_small():
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(ROOTFS / "etc/systemd/journald.conf.d/commune.conf")
    assert conf["Journal"]["Storage"] == "volatile"
    assert conf["Journal"]["RuntimeMaxUse"] == "32M"


def test_kiosk_font_draws_vietnamese():
    from PIL import ImageFont

    ini = (ROOTFS / "usr/share/commune-edge/foot.ini").read_text(encoding="utf-8")
    assert "font=DejaVu Sans Mono" in ini
    font_file = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    if not font_file.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    font = ImageFont.truetype(str(font_file), 16)
    tofu = font.getmask("\uffff").getbbox()
    for ch in "ăâđêôơưẢẠẤẦẨẪẬắằẳẵặếềểễệốồổỗộớờởỡợứừửữựỳỷỹỵ":
        assert font.getmask(ch).getbbox() != tofu, ch


def test_firewall_drops_by_default_and_allows_only_named_outbound_ports():
    text = (ROOTFS / "etc/nftables.conf").read_text(encoding="utf-8")
    assert text.count("policy drop;") == 3
    assert "elements = { 53, 80, 443, 1883, 8883 }" in text
    assert "elements = { 53, 67, 123, 547 }" in text
    assert 'include "/etc/nftables.d/*.nft"' in text


def test_ssh_accepts_keys_only():
    text = (ROOTFS / "etc/ssh/sshd_config.d/commune.conf").read_text(encoding="utf-8")
    assert "PasswordAuthentication no" in text and "PermitRootLogin no" in text
