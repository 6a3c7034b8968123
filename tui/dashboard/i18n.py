"""The dashboard's translation table (vi, en), used the same way as the kiosk's `tui.i18n`:
`t(key, lang, **values)`; binding descriptions are looked up by binding id. An unknown key shows
the key itself; `tests/dashboard/test_i18n.py` checks every key used has both languages.
"""

from __future__ import annotations

from typing import Any

from edge.dossiers import STATUSES

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, Table

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("Bảng điều khiển tỉnh", "Province dashboard"),
    "app.quit": ("Thoát", "Quit"),
    "app.language": ("English", "Tiếng Việt"),
    "app.refresh": ("Làm mới", "Refresh"),
    "app.back": ("Quay lại", "Back"),
    "tab.fleet": ("Thiết bị các xã", "Fleet"),
    "tab.kpis": ("Chỉ tiêu", "KPIs"),
    "fleet.technician": ("Cần kỹ thuật viên", "Needs technician"),
    "fleet.open": ("Xem xã", "Open commune"),
    "fleet.summary": ("{total} xã · {online} trực tuyến · {offline} mất kết nối · {problems} có vấn đề",
                      "{total} communes · {online} online · {offline} offline · {problems} with problems"),
    "fleet.filter_on": ("Đang lọc: chỉ xã cần kỹ thuật viên (phím t để bỏ lọc)",
                        "Filter: communes needing a technician only (t to clear)"),
    "fleet.empty": ("Chưa nhận được tín hiệu từ xã nào", "No commune has been heard from yet"),
    "col.commune": ("Xã", "Commune"),
    "col.state": ("Kết nối", "Link"),
    "col.last_seen": ("Lần cuối", "Last seen"),
    "col.backlog": ("Chờ gửi", "Backlog"),
    "col.oldest": ("Cũ nhất", "Oldest"),
    "col.disk": ("Đĩa trống", "Free disk"),
    "col.drift": ("Lệch giờ", "Clock drift"),
    "col.software": ("Phần mềm", "Software"),
    "col.catalogue": ("Danh mục", "Catalogue"),
    "col.printer": ("Máy in", "Printer"),
    "col.modem": ("Modem", "Modem"),
    "col.problems": ("Vấn đề", "Problems"),
    "state.online": ("trực tuyến", "online"),
    "state.offline": ("mất kết nối", "offline"),
    "state.silent": ("im lặng", "silent"),
    "state.never": ("chưa kết nối", "never"),
    "problem.offline": ("mất kết nối", "offline"),
    "problem.silent": ("không có tín hiệu", "no heartbeat"),
    "problem.disk_low": ("đĩa sắp đầy", "disk nearly full"),
    "problem.disk_warn": ("đĩa còn ít", "disk low"),
    "problem.conflicts": ("xung đột dữ liệu", "conflicts"),
    "problem.quarantine": ("tin bị cách ly", "quarantined"),
    "problem.clock": ("sai giờ", "clock off"),
    "problem.backlog": ("tồn nhiều", "large backlog"),
    "problem.stale": ("lâu chưa gửi", "unsynced long"),
    "problem.printer": ("máy in", "printer"),
    "problem.modem": ("modem", "modem"),
    "problem.software": ("phần mềm cũ", "old software"),
    "problem.catalogue": ("danh mục cũ", "old catalogue"),
    "kpi.prev": ("Tháng trước", "Previous month"),
    "kpi.next": ("Tháng sau", "Next month"),
    "kpi.heading": ("Tháng {month} · toàn tỉnh", "Month {month} · province"),
    "kpi.summary": ("Tiếp nhận {received} · đúng hạn {on_time} · trễ hạn {late} · đang giải quyết {in_progress} "
                    "· quá hạn hiện nay {overdue} · trực tuyến {online} · điện tử {electronic} (mục tiêu {target})",
                    "Received {received} · on time {on_time} · late {late} · in progress {in_progress} "
                    "· overdue now {overdue} · online {online} · electronic {electronic} (target {target})"),
    "kpi.plot_electronic": ("Tỷ lệ hồ sơ xử lý điện tử (%) — mục tiêu {target}%",
                            "Dossiers processed electronically (%) — target {target}%"),
    "kpi.plot_received": ("Hồ sơ tiếp nhận theo tháng: trực tuyến / tại quầy",
                          "Dossiers received per month: online / counter"),
    "kpi.online": ("Trực tuyến", "Online"),
    "kpi.counter": ("Tại quầy", "Counter"),
    "kpi.target": ("Mục tiêu", "Target"),
    "kpi.procedures": ("Thời gian giải quyết trung bình theo thủ tục (ngày)",
                       "Average processing time by procedure (days)"),
    "kpi.province": ("Toàn tỉnh", "Province"),
    "col.received": ("Tiếp nhận", "Received"),
    "col.on_time": ("Đúng hạn", "On time"),
    "col.late": ("Trễ hạn", "Late"),
    "col.in_progress": ("Đang GQ", "In progress"),
    "col.overdue": ("Quá hạn", "Overdue"),
    "col.online_share": ("Trực tuyến %", "Online %"),
    "col.electronic_share": ("Điện tử %", "Electronic %"),
    "col.wait": ("Chờ (phút)", "Wait (min)"),
    "col.service": ("Phục vụ (phút)", "Service (min)"),
    "col.forms": ("Báo cáo", "Reports"),
    "col.procedure": ("Thủ tục", "Procedure"),
    "col.finished": ("Đã xong", "Finished"),
    "col.avg_days": ("TB ngày", "Avg days"),
    "commune.title": ("Xã {commune}", "Commune {commune}"),
    "commune.dossiers": ("Hồ sơ", "Dossiers"),
    "commune.conflicts": ("Xung đột", "Conflicts"),
    "commune.quarantine": ("Tin bị cách ly", "Quarantined"),
    "commune.search": ("Tìm mã hồ sơ, thủ tục, tên…", "Search code, procedure, name…"),
    "commune.all_statuses": ("Mọi trạng thái", "Any status"),
    "commune.resend": ("Yêu cầu gửi lại dữ liệu", "Re-request data"),
    "commune.resend_done": ("Đã gửi yêu cầu gửi lại dữ liệu tới xã {commune}",
                            "Asked commune {commune} to send its data again"),
    "commune.resend_queued": ("Yêu cầu gửi lại dữ liệu tới xã {commune} sẽ được gửi khi xã kết nối",
                              "The re-request to commune {commune} goes out when it next connects"),
    "commune.history": ("Lịch sử hồ sơ {code}", "History of {code}"),
    "commune.no_history": ("Chọn một hồ sơ để xem lịch sử", "Select a dossier to see its history"),
    "col.code": ("Mã hồ sơ", "Code"),
    "col.status": ("Trạng thái", "Status"),
    "col.channel": ("Kênh", "Channel"),
    "col.received_at": ("Ngày nhận", "Received"),
    "col.due": ("Hẹn trả", "Due"),
    "col.finished_at": ("Hoàn thành", "Finished"),
    "col.detected": ("Phát hiện", "Detected"),
    "col.table": ("Bảng", "Table"),
    "col.record": ("Bản ghi", "Record"),
    "col.version": ("Phiên bản", "Version"),
    "col.device": ("Thiết bị", "Device"),
    "col.at": ("Lúc", "At"),
    "col.topic": ("Chủ đề", "Topic"),
    "col.reason": ("Lý do", "Reason"),
    "col.size": ("Cỡ (byte)", "Size (bytes)"),
    "col.from": ("Từ", "From"),
    "col.to": ("Sang", "To"),
    "col.actor": ("Người thực hiện", "By"),
    "col.note": ("Ghi chú", "Note"),
    "channel.online": ("trực tuyến", "online"),
    "channel.counter": ("tại quầy", "counter"),
    "channel.post": ("bưu chính", "post"),
    "error.refresh": ("Không đọc được kho dữ liệu trung tâm: {error}", "Cannot read the central store: {error}"),
    "updated": ("Cập nhật {at}", "Updated {at}"),
}


def status_label(status: str | None, lang: str) -> str:
    """A dossier status in the language (the edge's own labels)."""
    pair = STATUSES.get(status or "")
    if pair is None:
        return status or ""
    return pair[1] if lang == "en" else pair[0]


_TABLE = Table(STRINGS)
t = _TABLE.t
localize_bindings = _TABLE.localize_bindings
