"""Technician commands for SD cards: put a commune's bundle into the image, write the image to a card.

`inject(image, bundle)` reads the image's MBR partition table, finds the FAT boot partition and
writes the bundle into its `commune-edge/` folder with mtools (no root, no loop mount), then reads
every file back. `flash(image, device)` copies an image (raw, or `.xz`) onto a card with progress,
fsync and a read-back check, and refuses a target that is mounted, holds the running system, or
looks like a system disk. `read_bundle(folder)` is the one check of a provisioning bundle, used here
before injecting and by the first-boot script on the appliance.

Stdlib only (mtools through subprocess). The CLI is `commune-edge image inject|flash`.
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, TextIO

from .config import Config, from_dict
from .errors import EdgeError

SECTOR = 512
BUNDLE_DIR = "commune-edge"
CONFIG_NAME = "commune.toml"
ETC_DIR = Path("/etc/commune-edge")
MAX_BUNDLE_FILE = 1024 * 1024
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
FAT_TYPES = {0x01: "FAT12", 0x04: "FAT16", 0x06: "FAT16", 0x0B: "FAT32", 0x0C: "FAT32 (LBA)",
             0x0E: "FAT16 (LBA)"}

# Where flash() looks to decide whether a target is in use; tests point these at their own files.
MOUNTS = "/proc/self/mounts"
SWAPS = "/proc/swaps"
SYS_BLOCK = "/sys/class/block"
SYS_DEV_BLOCK = "/sys/dev/block"
SYSTEM_MOUNT_POINTS = ("/", "/boot", "/boot/firmware", "/boot/efi", "/usr", "/var", "/home")
MAX_CARD_BYTES = 512 * 10**9      # bigger than any SD card we use: probably a system disk
BLOCK = 4 * 1024 * 1024           # bytes per write/read while flashing
PROGRESS_EVERY_S = 0.25           # at most this often the progress callback is called


class ImagingError(EdgeError):
    """An image, bundle or device cannot be used as asked; the message says which and why."""


class BundleError(ImagingError, ValueError):
    """A provisioning bundle is missing something or holds a bad value."""


class UnsafeDeviceError(ImagingError):
    """The flash target is mounted, holds the running system or looks like a system disk."""


# -- bundle -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    """A checked provisioning bundle: every file's bytes by name, and the validated config."""

    folder: Path
    files: dict[str, bytes]
    config: Config
    raw: dict = field(repr=False, default_factory=dict)


def _referenced_secrets(raw: dict) -> dict[str, str]:
    """Bundle file name → "[table] key" for every `*_file` key that points into /etc/commune-edge."""
    found: dict[str, str] = {}

    def walk(table: dict, where: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{where}.{key}" if where else key)
            elif key.endswith("_file") and isinstance(value, str):
                if Path(value).parent == ETC_DIR:
                    found[Path(value).name] = f"[{where}] {key}"
                elif not Path(value).is_absolute() or value.startswith("/boot"):
                    raise BundleError(f"{CONFIG_NAME}: [{where}] {key} = {value!r}: secret files "
                                      f"must be given as {ETC_DIR}/NAME")

    walk(raw, "")
    return found


def read_bundle(folder: str | os.PathLike) -> Bundle:
    """Read and check a bundle folder (as made by `province-hub commune add`).

    Promises: only small regular files with plain names, a `commune.toml` that `edge.config`
    accepts with an absolute store path, and every secret it names under /etc/commune-edge present.
    Raises BundleError naming the file and key.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"{folder}: bundle folder not found")
    files: dict[str, bytes] = {}
    for entry in sorted(folder.iterdir()):
        if not SAFE_NAME.match(entry.name):
            raise BundleError(f"{entry}: unexpected file name in the bundle (letters, digits, . _ -)")
        if entry.is_symlink() or not entry.is_file():
            raise BundleError(f"{entry}: the bundle must hold only plain files")
        size = entry.stat().st_size
        if size > MAX_BUNDLE_FILE:
            raise BundleError(f"{entry}: {size} bytes is too large for a bundle file")
        try:
            files[entry.name] = entry.read_bytes()
        except OSError as e:
            raise BundleError(f"{entry}: cannot read: {e.strerror}") from None
    if CONFIG_NAME not in files:
        raise BundleError(f"{folder}: no {CONFIG_NAME} in the bundle")
    source = str(folder / CONFIG_NAME)
    try:
        raw = tomllib.loads(files[CONFIG_NAME].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BundleError(f"{source}: not valid TOML: {e}") from None
    try:
        config = from_dict(raw, source)
    except EdgeError as e:
        raise BundleError(str(e)) from None
    if not Path(raw["store"]["path"]).is_absolute():
        raise BundleError(f"{source}: [store] path: expected an absolute path, got "
                          f"{raw['store']['path']!r}")
    try:
        secrets = _referenced_secrets(raw)
    except BundleError as e:
        raise BundleError(f"{folder}/{e}") from None
    for name, key in sorted(secrets.items()):
        if name not in files:
            raise BundleError(f"{source}: {key} names {ETC_DIR / name}, but the bundle has no {name}")
    return Bundle(folder=folder, files=files, config=config, raw=raw)


# -- partition table ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Partition:
    number: int
    type_id: int
    start: int       # bytes from the start of the image
    size: int        # bytes
    bootable: bool

    @property
    def is_fat(self) -> bool:
        return self.type_id in FAT_TYPES


def read_partitions(image: str | os.PathLike) -> list[Partition]:
    """The primary partitions of an MBR disk image. Raises ImagingError for anything else."""
    image = Path(image)
    try:
        with open(image, "rb") as f:
            mbr = f.read(SECTOR)
            total = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise ImagingError(f"{image}: cannot read the image: {e.strerror}") from None
    if len(mbr) < SECTOR or mbr[510:512] != b"\x55\xaa":
        raise ImagingError(f"{image}: no MBR partition table (is it a compressed image? "
                           "unpack .xz/.zip first)")
    parts = []
    for i in range(4):
        entry = mbr[446 + 16 * i: 446 + 16 * (i + 1)]
        status, type_id = entry[0], entry[4]
        lba, count = struct.unpack_from("<II", entry, 8)
        if type_id == 0 or count == 0:
            continue
        if type_id == 0xEE:
            raise ImagingError(f"{image}: GPT disk images are not supported (Raspberry Pi images use MBR)")
        part = Partition(i + 1, type_id, lba * SECTOR, count * SECTOR, status == 0x80)
        if part.start + part.size > total:
            raise ImagingError(f"{image}: partition {part.number} runs past the end of the image "
                               f"({part.start + part.size} > {total} bytes); is the file truncated?")
        parts.append(part)
    if not parts:
        raise ImagingError(f"{image}: the partition table is empty")
    return parts


def boot_partition(image: str | os.PathLike) -> Partition:
    """The FAT boot partition of an image (the first FAT partition). Raises ImagingError."""
    for part in read_partitions(image):
        if part.is_fat:
            with open(image, "rb") as f:
                f.seek(part.start)
                sector = f.read(SECTOR)
            if sector[510:512] != b"\x55\xaa":
                raise ImagingError(f"{image}: partition {part.number} is marked FAT but holds no "
                                   "FAT file system")
            return part
    raise ImagingError(f"{image}: no FAT boot partition in the partition table")


# -- inject -------------------------------------------------------------------------------------

def _mtools(tool: str, image: Path, offset: int, *args: str, capture: bool = False) -> bytes:
    exe = shutil.which(tool)
    if exe is None:
        raise ImagingError(f"{tool} not found: install mtools (apt-get install mtools)")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", MTOOLS_NO_VFAT="0")
    proc = subprocess.run([exe, "-i", f"{image}@@{offset}", *args], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise ImagingError(f"{tool} on {image} (offset {offset}): {msg}")
    return proc.stdout if capture else b""


@dataclass(frozen=True)
class InjectReport:
    image: Path
    partition: Partition
    files: dict[str, int]      # name → bytes written and verified
    commune: str


def inject(image: str | os.PathLike, bundle: str | os.PathLike) -> InjectReport:
    """Write a checked bundle into the image's FAT boot partition as /commune-edge/, then verify.

    Replaces an earlier bundle there. Raises BundleError for a bad bundle (the image is untouched)
    and ImagingError when the image or mtools fail or what was read back differs.
    """
    image = Path(image)
    checked = read_bundle(bundle)
    part = boot_partition(image)
    if not os.access(image, os.W_OK):
        raise ImagingError(f"{image}: the image is not writable")
    target = f"::/{BUNDLE_DIR}"
    listing = _mtools("mdir", image, part.start, "-b", "::/", capture=True).decode("utf-8", "replace")
    if any(line.rstrip("/").lower() == target.lower() for line in listing.splitlines()):
        _mtools("mdeltree", image, part.start, target)
    _mtools("mmd", image, part.start, target)
    for name in checked.files:
        _mtools("mcopy", image, part.start, "-o", str(checked.folder / name), f"{target}/{name}")
    for name, data in checked.files.items():
        back = _mtools("mcopy", image, part.start, f"{target}/{name}", "-", capture=True)
        if back != data:
            raise ImagingError(f"{image}: {target}/{name} reads back different from what was "
                               "written; the image may be damaged")
    return InjectReport(image, part, {n: len(d) for n, d in checked.files.items()},
                        checked.config.commune.code)


# -- flash --------------------------------------------------------------------------------------

def _unescape(field_: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field_)


def _mount_table() -> list[tuple[str, str]]:
    try:
        text = Path(MOUNTS).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rows.append((_unescape(parts[0]), _unescape(parts[1])))
    return rows


def _swaps() -> list[str]:
    try:
        lines = Path(SWAPS).read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    except OSError:
        return []
    return [_unescape(line.split()[0]) for line in lines if line.split()]


def _kernel_name(dev: int) -> str | None:
    """Kernel name (sda, mmcblk0p1) of a block device number, or None when there is none."""
    link = Path(SYS_DEV_BLOCK) / f"{os.major(dev)}:{os.minor(dev)}"
    if not link.exists():
        return None
    return Path(os.path.realpath(link)).name


def _block_name(path: Path) -> str | None:
    """Kernel name of a block device node, or None for anything else."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISBLK(st.st_mode):
        return None
    return _kernel_name(st.st_rdev)


def _mounted_disk(mount_point: str) -> str | None:
    """The disk holding the file system mounted at `mount_point` (works for /dev/root too)."""
    try:
        name = _kernel_name(os.stat(mount_point).st_dev)
    except OSError:
        return None
    return _disk_of(name) if name else None


def _disk_of(name: str) -> str:
    """The whole disk a partition belongs to (mmcblk0p1 → mmcblk0); a disk is its own."""
    sys_entry = Path(SYS_BLOCK) / name
    if (sys_entry / "partition").exists():
        return Path(os.path.realpath(sys_entry)).parent.name
    return name


def _same_target(source: str, target: Path, target_disk: str | None) -> bool:
    src = Path(source)
    if not src.is_absolute():
        return False
    try:
        if src.exists() and target.exists() and os.path.samefile(src, target):
            return True
    except OSError:
        pass
    if os.path.realpath(src) == os.path.realpath(target):
        return True
    if target_disk:
        name = _block_name(src)
        return name is not None and _disk_of(name) == target_disk
    return False


def check_target(device: str | os.PathLike, image_size: int | None = None) -> None:
    """Refuse a flash target that is unsafe to overwrite. Raises UnsafeDeviceError saying why.

    A plain file is allowed (it stands in for a card in tests and for copying images), unless the
    mount table shows it mounted. A block device is refused when it or any of its partitions is
    mounted or used as swap, when it holds /, /boot or another system mount point, when it is a
    partition rather than a whole disk, or when it is larger than any SD card we use.
    """
    target = Path(device)
    name = _block_name(target)
    disk = _disk_of(name) if name else None
    if target.exists() and not name and not target.is_file():
        raise UnsafeDeviceError(f"{target}: neither a block device nor a plain file")
    if name and disk != name:
        raise UnsafeDeviceError(f"{target}: is a partition of /dev/{disk}; give the whole card "
                                f"(/dev/{disk})")
    if disk:
        for mount_point in SYSTEM_MOUNT_POINTS:
            if os.path.ismount(mount_point) and _mounted_disk(mount_point) == disk:
                raise UnsafeDeviceError(f"{target}: holds {mount_point} of the running system; "
                                        "refusing to overwrite it")
    for source, mount_point in _mount_table():
        if _same_target(source, target, disk):
            if mount_point in SYSTEM_MOUNT_POINTS:
                raise UnsafeDeviceError(f"{target}: holds {mount_point} of the running system "
                                        f"({source}); refusing to overwrite it")
            raise UnsafeDeviceError(f"{target}: {source} is mounted on {mount_point}; unmount it "
                                    "first (umount), then flash again")
    for source in _swaps():
        if _same_target(source, target, disk):
            raise UnsafeDeviceError(f"{target}: {source} is in use as swap")
    if name:
        size_file = Path(SYS_BLOCK) / name / "size"
        try:
            size = int(size_file.read_text().strip()) * SECTOR
        except (OSError, ValueError):
            size = None
        if size is not None and size > MAX_CARD_BYTES:
            raise UnsafeDeviceError(f"{target}: {size / 1e9:.0f} GB is larger than any SD card "
                                    "we use; this looks like a system disk")
        if size is not None and image_size is not None and image_size > size:
            raise UnsafeDeviceError(f"{target}: the card ({size} bytes) is smaller than the image "
                                    f"({image_size} bytes)")


ProgressFn = Callable[[str, int, int | None], None]


def _open_image(image: Path) -> tuple[BinaryIO, int | None]:
    """The image's raw bytes as a stream, and its size when known (not for .xz)."""
    try:
        if image.suffix == ".xz":
            return lzma.open(image, "rb"), None
        return open(image, "rb"), image.stat().st_size
    except OSError as e:
        raise ImagingError(f"{image}: cannot read the image: {e.strerror}") from None


def _chunks(stream: BinaryIO) -> Iterable[bytes]:
    while True:
        try:
            chunk = stream.read(BLOCK)
        except (lzma.LZMAError, EOFError) as e:
            raise ImagingError(f"the compressed image is damaged: {e}") from None
        if not chunk:
            return
        yield chunk


@dataclass(frozen=True)
class FlashReport:
    image: Path
    device: Path
    bytes: int
    sha256: str


def flash(image: str | os.PathLike, device: str | os.PathLike,
          progress: ProgressFn | None = None) -> FlashReport:
    """Write `image` onto `device`, fsync, then read it back and compare.

    `progress(phase, done, total)` is called with phase "write" or "verify" (total None when the
    size is not known in advance). Raises UnsafeDeviceError (nothing written), ImagingError.
    """
    image, device = Path(image), Path(device)
    stream, size = _open_image(image)
    check_target(device, size)
    is_block = _block_name(device) is not None
    flags = os.O_WRONLY | (0 if is_block else os.O_CREAT | os.O_TRUNC)
    digest = hashlib.sha256()
    done = 0
    last = 0.0
    try:
        fd = os.open(device, flags, 0o644)
    except OSError as e:
        stream.close()
        raise ImagingError(f"{device}: cannot open for writing: {e.strerror}") from None
    try:
        with stream:
            for chunk in _chunks(stream):
                view = memoryview(chunk)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
                digest.update(chunk)
                done += len(chunk)
                if progress and time.monotonic() - last >= PROGRESS_EVERY_S:
                    progress("write", done, size)
                    last = time.monotonic()
        os.fsync(fd)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError as e:
        raise ImagingError(f"{device}: write failed after {done} bytes: {e.strerror}") from None
    finally:
        os.close(fd)
    if progress:
        progress("write", done, done)
    _verify(device, done, digest.hexdigest(), progress)
    return FlashReport(image, device, done, digest.hexdigest())


def _verify(device: Path, length: int, expected: str, progress: ProgressFn | None) -> None:
    digest = hashlib.sha256()
    done = 0
    last = 0.0
    try:
        with open(device, "rb", buffering=0) as f:
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            while done < length:
                chunk = f.read(min(BLOCK, length - done))
                if not chunk:
                    break
                digest.update(chunk)
                done += len(chunk)
                if progress and time.monotonic() - last >= PROGRESS_EVERY_S:
                    progress("verify", done, length)
                    last = time.monotonic()
    except OSError as e:
        raise ImagingError(f"{device}: read-back failed after {done} bytes: {e.strerror}") from None
    if progress:
        progress("verify", done, length)
    if done != length or digest.hexdigest() != expected:
        raise ImagingError(f"{device}: verification failed: what was read back ({done} bytes) "
                           "differs from the image; the card may be faulty, use another one")


# -- CLI ----------------------------------------------------------------------------------------

def _bar(phase: str, done: int, total: int | None, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    mb = done / 1e6
    if total:
        frac = min(1.0, done / total)
        filled = int(frac * 30)
        line = f"\r{phase:6} [{'#' * filled}{'.' * (30 - filled)}] {frac * 100:5.1f}% {mb:8.1f}/{total / 1e6:.1f} MB"
    else:
        line = f"\r{phase:6} {mb:8.1f} MB"
    stream.write(line)
    if total and done >= total:
        stream.write("\n")
    stream.flush()


def _cmd_inject(args: argparse.Namespace) -> int:
    report = inject(args.image, args.bundle)
    print(f"{report.image}: bundle for commune {report.commune} written to partition "
          f"{report.partition.number} (/{BUNDLE_DIR}/, {len(report.files)} files) and verified")
    return 0


def _cmd_flash(args: argparse.Namespace) -> int:
    device = Path(args.device)
    check_target(device)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ImagingError(f"{device}: will be overwritten; add --yes to confirm")
        answer = input(f"Everything on {device} will be erased. Type its name to go on: ")
        if answer.strip() != str(device):
            raise ImagingError("not confirmed; nothing was written")
    report = flash(args.image, device, progress=_bar)
    print(f"{report.device}: {report.bytes} bytes written and verified (sha256 {report.sha256[:16]}…)")
    return 0


def register_cli(subparsers) -> None:
    """Add `image inject` and `image flash` to the commune-edge CLI."""
    image = subparsers.add_parser("image", help="SD images: inject a commune's bundle, flash cards",
                                  description="SD images for commune appliances.")
    sub = image.add_subparsers(dest="image_command", required=True, metavar="COMMAND")
    p = sub.add_parser("inject", help="write a provisioning bundle into an image's boot partition",
                       description="Write a provisioning bundle (folder with commune.toml and its "
                       "secrets) into the FAT boot partition of a raw disk image, then verify it. "
                       "No root needed.")
    p.add_argument("--image", required=True, help="raw disk image (.img)")
    p.add_argument("--bundle", required=True, help="bundle folder from province-hub commune add")
    p.set_defaults(func=_cmd_inject)
    p = sub.add_parser("flash", help="write an image onto an SD card and verify it",
                       description="Write a disk image (.img or .img.xz) onto a card with a "
                       "progress bar, then read it back. Refuses mounted devices and system disks.")
    p.add_argument("--image", required=True, help="disk image (.img or .img.xz)")
    p.add_argument("--device", required=True, help="the card's whole device, e.g. /dev/sdb")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=_cmd_flash)
