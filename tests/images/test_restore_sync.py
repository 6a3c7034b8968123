"""A dead SD card costs no records: back up with the real Litestream, restore onto a new card, and
the sync agent resumes with the real broker and receiver — every record at the province exactly once."""

from __future__ import annotations


import pytest

from edge import backup, outbox
from edge.config import load
from edge.store import Store
from sync.agent import Agent
from sync.central import CentralStore
from tests.support import sync_env
from tests.support.backup import replicate_once
from tests.support.broker import have_mosquitto, start_broker


@pytest.fixture(autouse=True)
def short_timing(monkeypatch):
    sync_env.short_agent_timing(monkeypatch)


@pytest.fixture
def province(tmp_path):
    if not have_mosquitto():
        pytest.skip("mosquitto is not installed")
    broker = start_broker(tmp_path / "broker")
    central = CentralStore(f"sqlite:///{tmp_path}/central.db")
    receiver = sync_env.start_receiver(broker, central)
    try:
        yield broker, central
    finally:
        receiver.stop()
        central.close()
        broker.stop()


def card_config(folder, broker, usb):
    """A commune.toml with [sync] for the test broker and [backup] to a file replica."""
    path = sync_env.commune_toml(folder, broker, "00001")
    with open(path, "a", encoding="utf-8") as f:
        f.write(f'\n[backup]\nreplica = "file://{usb}"\nsync_interval_ms = 200\n')
    return load(path)


def sync_once(store, config_path) -> None:
    Agent(store, sync_env.settings(config_path)).run(once=True, timeout=60)
    assert outbox.stats(store).pending == 0
    assert outbox.stats(store).pending == 0


def central_versions(central: CentralStore) -> dict[str, int]:
    sync_env.wait_projected(central)
    return {r["id"]: r["version"] for r in central.query("SELECT id, version FROM dossiers")}


def test_restored_card_syncs_what_it_had_not_sent_and_nothing_twice(province, tmp_path):
    broker, central = province
    usb = tmp_path / "usb"
    old = card_config(tmp_path / "old-card", broker, usb)
    with sync_env.open_store(old.path) as store:
        synced = sync_env.make_dossiers(store, 5)
        sync_once(store, old.path)                      # the province has these
        unsynced = sync_env.make_dossiers(store, 4)     # the link is down for these
        replicate_once(old)                              # …but Litestream has them on the USB stick
        device = store.device_id
    # the SD card dies; a technician restores the USB backup onto a new card
    new = card_config(tmp_path / "new-card", broker, usb)
    (tmp_path / "new-card" / "commune.db").unlink(missing_ok=True)
    backup.restore(new, f"file://{usb}")
    with Store.open(new) as store:
        assert store.device_id == device
        assert outbox.stats(store).pending == 8       # 4 dossiers + their history rows
        more = sync_env.make_dossiers(store, 2)          # the desk keeps working
        sync_once(store, new.path)
    have = central_versions(central)
    assert set(have) == {d.id for d in synced + unsynced + more}
    assert central.count("conflicts") == 0 and central.count("quarantine") == 0
    assert central.count("dossier_history") == 11


def test_a_card_restored_from_an_older_backup_loses_nothing_already_at_the_province(province, tmp_path):
    broker, central = province
    usb = tmp_path / "usb"
    old = card_config(tmp_path / "old-card", broker, usb)
    with sync_env.open_store(old.path) as store:
        first = sync_env.make_dossiers(store, 3)
        replicate_once(old)                              # the last backup the USB stick got
        later = sync_env.make_dossiers(store, 3)         # synced, but never backed up
        sync_once(store, old.path)
    new = card_config(tmp_path / "new-card", broker, usb)
    (tmp_path / "new-card" / "commune.db").unlink(missing_ok=True)
    backup.restore(new, f"file://{usb}")
    with Store.open(new) as store:
        sync_once(store, new.path)                       # the new card boots and reaches the province
        after = sync_env.make_dossiers(store, 2)         # new work gets seqs the province already saw
        sync_once(store, new.path)
    have = central_versions(central)
    assert set(have) == {d.id for d in first + later + after}
    assert central.count("quarantine") == 0
    # the dossiers made after the restore did not reuse the codes of those lost with the old card
    codes = [r["code"] for r in central.query("SELECT code FROM dossiers")]
    assert len(codes) == len(set(codes)) == 8
