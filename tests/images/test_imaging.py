"""`image inject` on a real disk image (MBR + FAT made here) and `image flash` onto a plain file."""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edge import imaging
from edge.errors import EdgeError

from .bundles import make_bundle, make_root

ROOT = Path(__file__).resolve().parents[2]
FIRSTBOOT = ROOT / "images/pi-gen/stage-commune/00-commune/files/rootfs/usr/local/sbin/commune-firstboot"
BOOT_START = 2048          # sectors, as Raspberry Pi images lay it out (scaled down)
BOOT_SECTORS = 32768       # 16 MiB FAT
IMAGE_MB = 24

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("sfdisk", "mkfs.vfat", "mcopy")),
                                reason="needs sfdisk, mkfs.vfat and mtools")


def _sha(path: Path, start: int = 0, length: int | None = None) -> str:
    with open(path, "rb") as f:
        f.seek(start)
        return hashlib.sha256(f.read() if length is None else f.read(length)).hexdigest()


@pytest.fixture
def disk_image(tmp_path: Path) -> Path:
    """A Raspberry-Pi-like image: FAT32 boot partition, then a Linux partition full of data."""
    img = tmp_path / "commune.img"
    with open(img, "wb") as f:
        f.truncate(IMAGE_MB * 1024 * 1024)
    layout = (f"label: dos\nstart={BOOT_START}, size={BOOT_SECTORS}, type=c\n"
              f"start={BOOT_START + BOOT_SECTORS}, type=83\n")
    subprocess.run(["sfdisk", "--quiet", str(img)], input=layout, text=True, check=True)
    subprocess.run(["mkfs.vfat", "-n", "BOOTFS", "--offset", str(BOOT_START), str(img),
                    str(BOOT_SECTORS // 2)], check=True, capture_output=True)
    with open(img, "r+b") as f:  # the root partition: bytes inject must never touch
        f.seek((BOOT_START + BOOT_SECTORS) * 512)
        f.write(os.urandom(1024 * 1024))
    return img


def _read_fat(img: Path, path: str) -> bytes:
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    return subprocess.run(["mcopy", "-i", f"{img}@@{BOOT_START * 512}", f"::{path}", "-"],
                          capture_output=True, check=True, env=env).stdout


def _root_partition_sha(img: Path) -> str:
    return _sha(img, (BOOT_START + BOOT_SECTORS) * 512)


def test_partitions_are_read_from_the_mbr(disk_image: Path):
    parts = imaging.read_partitions(disk_image)
    assert [(p.number, p.type_id, p.start, p.size) for p in parts] == [
        (1, 0x0C, BOOT_START * 512, BOOT_SECTORS * 512),
        (2, 0x83, (BOOT_START + BOOT_SECTORS) * 512, IMAGE_MB * 1024 * 1024 - (BOOT_START + BOOT_SECTORS) * 512),
    ]
    assert imaging.boot_partition(disk_image).number == 1


def test_inject_writes_the_bundle_into_the_boot_partition(disk_image: Path, tmp_path: Path):
    bundle = make_bundle(tmp_path / "bundle")
    before = _root_partition_sha(disk_image)
    report = imaging.inject(disk_image, bundle)
    assert report.commune == "00001" and set(report.files) == {"commune.toml", "mqtt.secret", "ca.pem"}
    for name in report.files:
        assert _read_fat(disk_image, f"/commune-edge/{name}") == (bundle / name).read_bytes()
    assert _root_partition_sha(disk_image) == before


def test_inject_replaces_an_earlier_bundle(disk_image: Path, tmp_path: Path):
    first = make_bundle(tmp_path / "first", code="00001")
    (first / "extra.txt").write_text("stale")
    imaging.inject(disk_image, first)
    second = make_bundle(tmp_path / "second", code="00002", name="Xã Hai")
    imaging.inject(disk_image, second)
    assert b'code = "00002"' in _read_fat(disk_image, "/commune-edge/commune.toml")
    with pytest.raises(subprocess.CalledProcessError):
        _read_fat(disk_image, "/commune-edge/extra.txt")


def test_inject_refuses_a_bundle_missing_a_secret_and_leaves_the_image_as_it_was(disk_image: Path,
                                                                                 tmp_path: Path):
    bundle = make_bundle(tmp_path / "bundle")
    (bundle / "ca.pem").unlink()
    before = _sha(disk_image)
    with pytest.raises(imaging.BundleError, match=r"\[sync\] ca_file names /etc/commune-edge/ca.pem"):
        imaging.inject(disk_image, bundle)
    assert _sha(disk_image) == before


def test_inject_refuses_a_bundle_with_a_bad_config_value(disk_image: Path, tmp_path: Path):
    bundle = make_bundle(tmp_path / "bundle")
    text = (bundle / "commune.toml").read_text().replace('province = "02"', 'province = "Hà Giang"')
    (bundle / "commune.toml").write_text(text)
    with pytest.raises(imaging.BundleError, match=r"commune.toml: \[commune\] province: expected 2 digits"):
        imaging.inject(disk_image, bundle)


def test_inject_refuses_a_file_without_a_partition_table(tmp_path: Path):
    blob = tmp_path / "image.img.xz"
    blob.write_bytes(lzma.compress(b"\0" * 4096))
    with pytest.raises(imaging.ImagingError, match="no MBR partition table"):
        imaging.inject(blob, make_bundle(tmp_path / "bundle"))


def test_inject_refuses_an_image_without_a_fat_partition(tmp_path: Path):
    img = tmp_path / "linux-only.img"
    with open(img, "wb") as f:
        f.truncate(4 * 1024 * 1024)
    subprocess.run(["sfdisk", "--quiet", str(img)], input="label: dos\nstart=2048, type=83\n",
                   text=True, check=True)
    with pytest.raises(imaging.ImagingError, match="no FAT boot partition"):
        imaging.inject(img, make_bundle(tmp_path / "bundle"))


def test_inject_refuses_a_truncated_image(disk_image: Path, tmp_path: Path):
    with open(disk_image, "r+b") as f:
        f.truncate(8 * 1024 * 1024)
    with pytest.raises(imaging.ImagingError, match="runs past the end of the image"):
        imaging.inject(disk_image, make_bundle(tmp_path / "bundle"))


def _province_hub_bundle(tmp_path: Path, code: str, name: str) -> Path:
    """A bundle made the technician's way: `province-hub commune add` on a test province."""
    hub = Path(sys.executable).with_name("province-hub")
    if not hub.exists():
        pytest.skip("province-hub is not installed in this venv")
    province = tmp_path / "province"
    province.mkdir()
    (province / "province.toml").write_text(
        '[province]\ncode = "02"\nname = "Hà Giang"\n'
        f'[store]\nurl = "sqlite:///{province}/central.db"\n'
        '[broker]\nurl = "mqtt://127.0.0.1:1883"\nusername = "province-receiver"\n'
        f'password_file = "{province}/mqtt.secret"\nconfig_dir = "{province}/broker"\n', encoding="utf-8")
    conf = ["--config", str(province / "province.toml")]
    for args in (["broker-config", "--no-tls"],
                 ["commune", "add", code, "--name", name, "--out", str(tmp_path / "bundle"),
                  "--agency-code", "000.00.19.H17"]):
        proc = subprocess.run([str(hub), *conf, *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    return tmp_path / "bundle"


def test_province_hub_bundle_injected_provisions_the_appliance_at_first_boot(disk_image: Path,
                                                                            tmp_path: Path):
    bundle = _province_hub_bundle(tmp_path, "00042", "Xã Bốn Hai")
    imaging.inject(disk_image, bundle)
    root = make_root(tmp_path / "root")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-s", "-i", f"{disk_image}@@{BOOT_START * 512}", "::/commune-edge",
                    str(root / "boot/firmware/")], check=True, env=env)
    proc = subprocess.run([sys.executable, str(FIRSTBOOT), "--root", str(root)], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (root / "etc/hostname").read_text() == "commune-00042\n"
    assert (root / "etc/commune-edge/mqtt.secret").read_bytes() == (bundle / "mqtt.secret").read_bytes()
    assert (root / "var/lib/commune-edge/commune.db").exists()
    assert not (root / "boot/firmware/commune-edge").exists()


def test_image_inject_command(disk_image: Path, tmp_path: Path, capsys):
    from edge.cli import main

    code = main(["image", "inject", "--image", str(disk_image), "--bundle", str(make_bundle(tmp_path / "b"))])
    out = capsys.readouterr().out
    assert code == 0 and "bundle for commune 00001 written to partition 1" in out and "verified" in out


def test_image_inject_command_reports_a_bad_bundle_in_one_line(disk_image: Path, tmp_path: Path, capsys):
    from edge.cli import main

    code = main(["image", "inject", "--image", str(disk_image), "--bundle", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().endswith("nowhere: bundle folder not found")
    assert "Traceback" not in err


# -- flash --------------------------------------------------------------------------------------

def test_flash_writes_and_verifies_onto_a_plain_file(disk_image: Path, tmp_path: Path):
    card = tmp_path / "card.bin"
    calls = []
    report = imaging.flash(disk_image, card, progress=lambda *a: calls.append(a))
    size = disk_image.stat().st_size
    assert report.bytes == size and _sha(card) == _sha(disk_image) == report.sha256
    assert ("write", size, size) in calls and ("verify", size, size) in calls
    phases = [c[0] for c in calls]
    assert phases.index("verify") > max(i for i, p in enumerate(phases) if p == "write")


def test_flash_unpacks_an_xz_image(disk_image: Path, tmp_path: Path):
    packed = tmp_path / "commune.img.xz"
    packed.write_bytes(lzma.compress(disk_image.read_bytes(), preset=0))
    card = tmp_path / "card.bin"
    report = imaging.flash(packed, card)
    assert _sha(card) == _sha(disk_image) and report.bytes == disk_image.stat().st_size


def test_flash_refuses_a_target_that_is_mounted(disk_image: Path, tmp_path: Path, monkeypatch):
    card = tmp_path / "card.bin"
    card.write_bytes(b"old contents")
    mounts = tmp_path / "mounts"
    mounts.write_text(f"{card} /media/technician/bootfs vfat rw,relatime 0 0\n")
    monkeypatch.setattr(imaging, "MOUNTS", str(mounts))
    with pytest.raises(imaging.UnsafeDeviceError, match="is mounted on /media/technician/bootfs"):
        imaging.flash(disk_image, card)
    assert card.read_bytes() == b"old contents"


def test_flash_refuses_a_target_holding_the_root_file_system(disk_image: Path, tmp_path: Path,
                                                            monkeypatch):
    card = tmp_path / "card.bin"
    card.write_bytes(b"system")
    mounts = tmp_path / "mounts"
    mounts.write_text(f"{card} / ext4 rw,relatime 0 0\n")
    monkeypatch.setattr(imaging, "MOUNTS", str(mounts))
    with pytest.raises(imaging.UnsafeDeviceError, match="holds / of the running system"):
        imaging.flash(disk_image, card)
    assert card.read_bytes() == b"system"


def _system_disk() -> Path | None:
    """The /dev node of the disk holding / on this machine, found from sysfs, if there is one."""
    try:
        dev = os.stat("/").st_dev
        link = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}")
        name = Path(os.path.realpath(link)).name
    except OSError:
        return None
    sys_entry = Path("/sys/class/block") / name
    if (sys_entry / "partition").exists():
        name = Path(os.path.realpath(sys_entry)).parent.name
    node = Path("/dev") / name
    return node if node.exists() else None


def test_flash_refuses_the_disk_of_the_running_system(disk_image: Path):
    disk = _system_disk()
    if disk is None:
        pytest.skip("/ is not on a block device here")
    with pytest.raises(imaging.UnsafeDeviceError, match="running system|system disk"):
        imaging.flash(disk_image, disk)


def test_flash_refuses_a_target_that_is_not_a_file_or_disk(disk_image: Path):
    with pytest.raises(imaging.UnsafeDeviceError, match="neither a block device nor a plain file"):
        imaging.flash(disk_image, "/dev/null")


def test_flash_reports_a_missing_image(tmp_path: Path):
    with pytest.raises(imaging.ImagingError, match="cannot read the image"):
        imaging.flash(tmp_path / "missing.img", tmp_path / "card.bin")


def test_image_flash_command_shows_progress_and_verifies(disk_image: Path, tmp_path: Path, capsys):
    from edge.cli import main

    card = tmp_path / "card.bin"
    code = main(["image", "flash", "--image", str(disk_image), "--device", str(card), "--yes"])
    captured = capsys.readouterr()
    assert code == 0 and "written and verified" in captured.out
    assert "write  [##############################] 100.0%" in captured.err
    assert "verify [##############################] 100.0%" in captured.err
    assert _sha(card) == _sha(disk_image)


def test_image_flash_command_needs_confirmation_without_a_terminal(disk_image: Path, tmp_path: Path,
                                                                   capsys, monkeypatch):
    from edge.cli import main

    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    card = tmp_path / "card.bin"
    code = main(["image", "flash", "--image", str(disk_image), "--device", str(card)])
    assert code == 2 and "add --yes to confirm" in capsys.readouterr().err
    assert not card.exists()


def test_imaging_errors_belong_to_the_edge_error_family():
    assert issubclass(imaging.BundleError, EdgeError) and issubclass(imaging.BundleError, ValueError)
    assert issubclass(imaging.UnsafeDeviceError, imaging.ImagingError)
