"""The one place the kiosk receives scans from the hardware service (QR of a CCCD or a receipt).

`listen(config, app)` binds the hardware layer's scan socket (`hardware.kiosk.listen_for_scans`)
and posts each scan to the app as a `KioskApp.Scanned` message (thread-safe). Without the hardware
package, or when the socket cannot be made, the kiosk runs without it and says why in the log;
scanners in keyboard mode still work, as typed lines.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def listen(config: Any, app: Any) -> Any | None:
    """Start forwarding scans to `app`; returns the listener (close it at exit) or None."""
    try:
        from hardware.kiosk import listen_for_scans
    except ImportError:
        return None
    from edge.errors import EdgeError

    def forward(scan: Any) -> None:
        app.post_message(app.Scanned(kind=scan.kind, text=scan.text, citizen=scan.citizen,
                                     error=scan.error, field=scan.field))

    try:
        return listen_for_scans(config, forward)
    except EdgeError as exc:
        log.warning("kiosk: no scans from the hardware service: %s", exc)
        return None
