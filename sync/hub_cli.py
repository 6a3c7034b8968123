"""`province-hub`: the provincial data center's command line.

    province-hub [--config PROVINCE.TOML] broker-config --out DIR [--port N] [--tls-port N] [--no-tls]
    province-hub commune add CODE --name NAME --out DIR [--agency-code CODE]
    province-hub receive
    province-hub publish catalogue|calendar|forms FILE.json
    province-hub decide DOSSIER-ID STATUS [--note TEXT]
    province-hub hand-over COMMUNE FILE.json
    province-hub status [--json]

Errors that a person can act on (bad config, unknown dossier, broker unreachable) print one line
and exit 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Sequence

from edge.cli import load_plugins
from edge.errors import EdgeError

from . import broker as broker_mod, wire
from .config import ProvinceConfig, load, render_toml
from .errors import SyncError

EXIT_ERROR = 2
log = logging.getLogger("province-hub")


def endpoint(cfg: ProvinceConfig):
    """The broker endpoint of the province's own account."""
    from .mqtt import Endpoint
    u = cfg.broker.url
    return Endpoint(u.host, u.port, cfg.broker.username, cfg.password(), tls=u.tls, ca_file=cfg.broker.ca_file,
                    keepalive=cfg.broker.keepalive)


def _store(cfg: ProvinceConfig):
    from .central import CentralStore
    return CentralStore(cfg.store_url)


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise SyncError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SyncError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise SyncError(f"{path}: not valid JSON: {e}") from None


# --------------------------------------------------------------------------- broker and communes

def cmd_broker_config(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    out = Path(args.out) if args.out else cfg.broker.config_dir
    pw_file = cfg.broker.password_file
    if pw_file.exists():
        password = cfg.password()
    else:
        password = broker_mod.new_password()
        broker_mod.write_private(pw_file, password + "\n")
        print(f"wrote a new receiver password to {pw_file} (mode 0600)")
    files = broker_mod.write_config(
        out, prefix=cfg.topic_prefix, province=cfg.code, receiver_user=cfg.broker.username,
        receiver_password=password, port=args.port, tls_port=None if args.no_tls else args.tls_port,
        tls=not args.no_tls, hosts=tuple(args.host or ("localhost", "127.0.0.1", cfg.broker.url.host)),
        max_queued_messages=args.max_queued_messages, run_as=args.run_as)
    print(f"broker configuration written to {files.dir}")
    print(f"  start it with: mosquitto -c {files.conf}")
    print(f"  plain MQTT on 127.0.0.1:{files.port}" + (f", TLS on :{files.tls_port}" if files.tls_port else ""))
    return 0


def cmd_commune_add(args: argparse.Namespace) -> int:
    from edge import config as edge_config
    cfg = load(args.config)
    code = args.code
    if not (code.isdigit() and len(code) == 5):
        raise SyncError(f"commune code {code!r}: expected 5 digits")
    broker_dir = Path(args.broker_dir) if args.broker_dir else cfg.broker.config_dir
    passwd = broker_dir / "passwd"
    if not passwd.exists():
        raise SyncError(f"{passwd}: no broker password file (run `province-hub broker-config` first)")
    agency = args.agency_code or f"000.00.00.{code}"
    ca = broker_dir / "ca.pem"
    has_ca = ca.exists()
    bundle = {
        "commune": {"code": code, "name": args.name, "province": cfg.code, "agency_code": agency},
        "store": {"path": "/var/lib/commune-edge/commune.db"},
        "sync": {"broker": cfg.broker.public_url, "username": code,
                 "password_file": "/etc/commune-edge/mqtt.secret",
                 "ca_file": "/etc/commune-edge/ca.pem" if has_ca else None,
                 "topic_prefix": cfg.topic_prefix},
    }
    edge_config.from_dict(bundle, "<bundle commune.toml>")
    from .agent import SyncSettings
    SyncSettings.from_section(edge_config.Section("<bundle commune.toml>", "sync",
                                                  {k: v for k, v in bundle["sync"].items() if v is not None}),
                              province=cfg.code, commune=code, check_files=False)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    password = broker_mod.new_password()
    broker_mod.set_password(passwd, code, password)
    broker_mod.write_private(out / "mqtt.secret", password + "\n")
    if has_ca:
        (out / "ca.pem").write_bytes(ca.read_bytes())
    header = (f"# Provisioning bundle for commune {code} ({args.name}), province {cfg.code}.\n"
              "# Install as /etc/commune-edge/commune.toml with mqtt.secret (mode 0600) and ca.pem beside it.\n")
    (out / "commune.toml").write_text(header + render_toml(bundle), encoding="utf-8")
    reloaded = broker_mod.reload(broker_dir)
    print(f"commune {code} added; bundle written to {out}: commune.toml, mqtt.secret"
          + (", ca.pem" if has_ca else ""))
    if not args.agency_code:
        print(f"note: agency_code set to the placeholder {agency!r}; edit commune.toml before flashing")
    print("broker reloaded" if reloaded else
          f"no running broker found through {broker_dir / 'mosquitto.pid'}: reload it "
          "(systemctl reload mosquitto) so the new credential works")
    return 0


# --------------------------------------------------------------------------- receiver

def cmd_receive(args: argparse.Namespace) -> int:
    from .receiver import Receiver
    cfg = load(args.config)
    logging.basicConfig(level=logging.INFO if not args.quiet else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = _store(cfg)
    r = Receiver(endpoint(cfg), store, topics=cfg.topics, group=cfg.receiver_group,
                 client_id=cfg.receiver_client_id, max_wire=cfg.max_wire_bytes, max_raw=cfg.max_raw_bytes)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("receiving for province %s on %s (store %s)", cfg.code, cfg.broker.url, cfg.store_url.split("@")[-1])
    try:
        r.run_forever(stop)
    finally:
        store.close()
    s = r.stats
    log.info("stopped: %d batches, %d records, %d quarantined", s.batches, s.records, s.quarantined)
    return 0


# --------------------------------------------------------------------------- down

def _publish(cfg: ProvinceConfig, messages: list[tuple[str, bytes, bool]]) -> None:
    from .mqtt import publish_once
    publish_once(endpoint(cfg), f"province-hub-cli-{os.getpid()}", messages)


def cmd_publish(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    doc = _read_json(args.file)
    if not isinstance(doc, dict):
        raise SyncError(f"{args.file}: a {args.kind} document must be a JSON object")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SyncError(f"{args.file}: \"version\" must be a whole number ≥ 1, got {version!r}")
    msg = wire.Document(args.kind, version, doc)
    payload = wire.encode(msg)
    with _store(cfg) as store:
        latest = store.scalar("SELECT MAX(version) FROM documents WHERE kind = ?", (args.kind,))
        if latest is not None and version <= int(latest) and not args.force:
            raise SyncError(f"{args.file}: {args.kind} version {version} is not newer than the published "
                            f"version {latest} (use --force to publish it again)")
        _publish(cfg, [(cfg.topics.document(args.kind), payload, True)])
        store.record_document(msg)
    print(f"published {args.kind} version {version} ({len(payload)} bytes) to {cfg.topics.document(args.kind)}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    with _store(cfg) as store:
        owner = store.dossier_owner(args.dossier)
        if owner is None:
            raise SyncError(f"dossier {args.dossier!r} is not in the central store (give its id or code)")
        dossier_id, commune, device = owner
        msg = store.add_outbound(commune, "decision", {"dossier_id": dossier_id, "status": args.status,
                                                       "note": args.note or "", "actor": args.actor},
                                 device=device)
        _publish_or_queue(cfg, commune, msg)
    print(f"decision {msg.id}: dossier {dossier_id} → {args.status}, sent to commune {commune}")
    return 0


def cmd_hand_over(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    wire.check_commune(args.commune)
    data = _read_json(args.file)
    if not isinstance(data, dict):
        raise SyncError(f"{args.file}: expected a JSON object with portal_id and the dossier's fields")
    portal_id = data.get("portal_id")
    if not isinstance(portal_id, str) or not portal_id:
        raise SyncError(f"{args.file}: \"portal_id\" is missing (the portal's dossier id)")
    dossier = data.get("dossier") if isinstance(data.get("dossier"), dict) else {
        k: v for k, v in data.items() if k != "portal_id"}
    with _store(cfg) as store:
        msg = store.add_outbound(args.commune, "hand_over", {"portal_id": portal_id, "dossier": dossier},
                                 device=store.latest_device(args.commune))
        _publish_or_queue(cfg, args.commune, msg)
    print(f"hand-over {msg.id}: portal dossier {portal_id} sent to commune {args.commune}")
    return 0


def _publish_or_queue(cfg: ProvinceConfig, commune: str, msg: wire.Down) -> None:
    """Publish a down message; when the broker is unreachable it stays queued in the central store
    and the receiver sends it at the commune's next hello."""
    try:
        _publish(cfg, [(cfg.topics.down(commune), wire.encode(msg), False)])
    except SyncError as e:
        print(f"note: not published now ({e}); it will be sent when the commune next connects",
              file=sys.stderr)


def cmd_status(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    with _store(cfg) as store:
        rows = [s.as_dict() for s in store.status()]
        unprojected = store.pending_projection()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no commune has been heard from yet")
        return 0
    cols = [("commune", "commune"), ("online", "online"), ("last_seen", "last seen"), ("records", "records"),
            ("backlog", "backlog"), ("conflicts", "conflicts"), ("quarantined", "quarantined"),
            ("pending_down", "down pending")]
    table = [[h for _, h in cols]] + [[_cell(r[k]) for k, _ in cols] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols))]
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    if unprojected:
        print(f"{unprojected} record version(s) committed but not yet in the dashboard's tables "
              "(a running receiver projects them once messages pause)")
    return 0


def _cell(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return "-" if v is None else str(v)


# --------------------------------------------------------------------------- parser

PLUGIN_GROUP = "province_hub.commands"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="province-hub", description="The province's sync hub: broker "
                                "configuration, commune credentials, the receiver, and what goes down.")
    p.add_argument("--config", help="province.toml (default: $PROVINCE_HUB_CONFIG or "
                   "/etc/province-hub/province.toml)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("broker-config", help="write the Mosquitto configuration (listeners, ACL, passwords, TLS)")
    b.add_argument("--out", help="folder to write (default: [broker] config_dir)")
    b.add_argument("--port", type=int, default=broker_mod.DEFAULT_PORT, help="plain MQTT port on loopback (1883)")
    b.add_argument("--tls-port", type=int, default=broker_mod.DEFAULT_TLS_PORT, help="TLS port (8883)")
    b.add_argument("--no-tls", action="store_true", help="no TLS listener (tests, loopback-only set-ups)")
    b.add_argument("--host", action="append", help="host name or IP in the server certificate (repeatable)")
    b.add_argument("--max-queued-messages", type=int, default=broker_mod.DEFAULT_MAX_QUEUED)
    b.add_argument("--run-as", help="user the broker runs as when started as root (default mosquitto)")
    b.set_defaults(func=cmd_broker_config)

    c = sub.add_parser("commune", help="manage commune credentials")
    csub = c.add_subparsers(dest="commune_command", required=True, metavar="ACTION")
    ca = csub.add_parser("add", help="issue a commune's credential and write its provisioning bundle")
    ca.add_argument("code", help="the commune's 5-digit code (its broker user name)")
    ca.add_argument("--name", required=True, help="the commune's name")
    ca.add_argument("--out", required=True, help="folder for the bundle (commune.toml, mqtt.secret, ca.pem)")
    ca.add_argument("--agency-code", help="the commune's agency code for dossier codes, e.g. 000.00.19.H17")
    ca.add_argument("--broker-dir", help="the broker configuration folder (default: [broker] config_dir)")
    ca.set_defaults(func=cmd_commune_add)

    r = sub.add_parser("receive", help="run a receiver (several may run side by side)")
    r.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    r.set_defaults(func=cmd_receive)

    pu = sub.add_parser("publish", help="publish a catalogue, calendar or forms document to every commune")
    pu.add_argument("kind", choices=wire.DOCUMENT_KINDS)
    pu.add_argument("file", help="the document, JSON, with an integer \"version\"")
    pu.add_argument("--force", action="store_true", help="publish even if not newer than the last one")
    pu.set_defaults(func=cmd_publish)

    d = sub.add_parser("decide", help="send a decision on a dossier to its commune")
    d.add_argument("dossier", metavar="DOSSIER-ID", help="the dossier's id or code")
    d.add_argument("status", metavar="STATUS", help="the new status, e.g. done")
    d.add_argument("--note", help="a note kept in the dossier's history")
    d.add_argument("--actor", default="province", help="who decided (default: province)")
    d.set_defaults(func=cmd_decide)

    h = sub.add_parser("hand-over", help="hand a dossier submitted online at the portal to a commune")
    h.add_argument("commune", metavar="COMMUNE")
    h.add_argument("file", metavar="FILE.json", help="{\"portal_id\": …, \"dossier\": {…}}")
    h.set_defaults(func=cmd_hand_over)

    s = sub.add_parser("status", help="per commune: last seen, online, backlog, records, conflicts, quarantine")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    # the dashboard (Textual) and exports register themselves, so sync/ never imports the UI
    load_plugins(sub, PLUGIN_GROUP)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EdgeError as e:
        print(f"province-hub: error: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
