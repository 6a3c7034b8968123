"""The kiosk's one translation table: every label, message and binding description, in vi and en.

`t(key, lang, **values)` returns the text for a key; a key missing from the table is a bug caught by
`tests/tui/test_i18n.py`, and at run time shows the key itself rather than crashing. Binding
descriptions are looked up by the binding's `id` (see `localize_bindings`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

STRINGS: dict[str, tuple[str, str]] = {
    # -- app-wide bindings (descriptions keyed by binding id) --------------------------------------
    "app.toggle_typing": ("Gõ V/E", "Typing V/E"),
    "app.toggle_typing_unikey": ("Gõ V/E (Alt+Z như Unikey)", "Typing V/E (Alt+Z as in Unikey)"),
    "app.toggle_language": ("English", "Tiếng Việt"),
    "app.staff_login": ("Cán bộ", "Staff"),
    "app.lock": ("Khóa", "Lock"),
    "app.logout": ("Đăng xuất", "Log out"),
    "app.quit": ("Thoát", "Quit"),
    "app.back": ("Quay lại", "Back"),
    "app.title": ("Một cửa", "One-stop shop"),
    "app.demo": ("DỮ LIỆU DEMO", "DEMO DATA"),
    # -- command palette -------------------------------------------------------------------------
    "cmd.home": ("Trang chính", "Home"),
    "cmd.home.help": ("Tổng quan hàng đợi, hồ sơ đến hạn, đồng bộ", "Queue, due dossiers, sync at a glance"),
    "cmd.intake": ("Tiếp nhận hồ sơ", "Receive a dossier"),
    "cmd.intake.help": ("Nhập hồ sơ mới và in giấy hẹn", "Enter a new dossier and print its receipt"),
    "cmd.dossiers": ("Tra cứu hồ sơ (cán bộ)", "Dossiers"),
    "cmd.dossiers.help": ("Tìm, lọc, chuyển trạng thái", "Search, filter, change status"),
    "cmd.catalogue": ("Danh mục thủ tục", "Procedure catalogue"),
    "cmd.catalogue.help": ("Giấy tờ cần có, lệ phí, thời hạn", "Required documents, fee, deadline"),
    "cmd.queue": ("Hàng đợi", "Queue"),
    "cmd.queue.help": ("Cấp số, gọi số tiếp theo", "Issue tickets, call the next one"),
    "cmd.forms": ("Báo cáo định kỳ", "Report forms"),
    "cmd.forms.help": ("Điền và gửi biểu mẫu báo cáo", "Fill in and submit report forms"),
    "cmd.sync": ("Đồng bộ", "Sync"),
    "cmd.sync.help": ("Dữ liệu chờ gửi, lần đồng bộ cuối", "Outbox backlog, last sync"),
    "cmd.admin": ("Quản trị", "Admin"),
    "cmd.admin.help": ("Tài khoản cán bộ, kiểm tra nhật ký", "Staff accounts, audit check"),
    "cmd.login": ("Đăng nhập cán bộ", "Staff login"),
    "cmd.login.help": ("Nhập tên đăng nhập và mã PIN", "Enter user name and PIN"),
    "cmd.lock": ("Khóa phiên làm việc", "Lock the session"),
    "cmd.lock.help": ("Về màn hình công dân, giữ nguyên công việc", "Back to the citizen screen, work kept"),
    "cmd.language": ("Đổi ngôn ngữ", "Switch language"),
    "cmd.language.help": ("Tiếng Việt / English", "Tiếng Việt / English"),
    "cmd.typing": ("Bật/tắt gõ tiếng Việt", "Vietnamese typing on/off"),
    "cmd.typing.help": ("Telex hoặc VNI", "Telex or VNI"),
    "cmd.method": ("Đổi kiểu gõ Telex/VNI", "Switch Telex/VNI"),
    "cmd.method.help": ("Kiểu gõ cho mọi ô nhập", "Typing method for every field"),
    "cmd.lookup": ("Tra cứu tình trạng hồ sơ", "Look up a dossier"),
    "cmd.lookup.help": ("Mã hồ sơ và số CCCD", "Dossier code and ID number"),
    "cmd.ticket": ("Lấy số thứ tự", "Take a ticket"),
    "cmd.ticket.help": ("Số thứ tự chờ tại quầy", "A queue number for the counter"),
    # -- citizen mode ----------------------------------------------------------------------------
    "citizen.welcome": ("Xin chào! Quý khách cần gì?", "Welcome! How can we help?"),
    "citizen.lookup": ("1 Tra cứu hồ sơ", "1 Look up a dossier"),
    "citizen.browse": ("2 Thủ tục và giấy tờ", "2 Procedures and documents"),
    "citizen.ticket": ("3 Lấy số thứ tự", "3 Take a queue ticket"),
    "citizen.hint": ("Dùng phím số hoặc chạm để chọn. F1: English. F10: cán bộ.",
                     "Press a number key or touch to choose. F1: Tiếng Việt. F10: staff."),
    "citizen.waiting": ("Đang chờ: {n} người", "Waiting: {n}"),
    "citizen.choose_lookup": ("Tra cứu", "Look up"),
    "citizen.choose_browse": ("Thủ tục", "Procedures"),
    "citizen.choose_ticket": ("Lấy số", "Ticket"),
    "lookup.title": ("Tra cứu tình trạng hồ sơ", "Dossier status"),
    "lookup.code": ("Mã hồ sơ (hoặc quét mã QR trên giấy hẹn)", "Dossier code (or scan the receipt's QR)"),
    "lookup.id": ("Số CCCD của người nộp", "Applicant's ID number"),
    "lookup.submit": ("Tra cứu", "Look up"),
    "lookup.not_found": ("Không tìm thấy hồ sơ với mã và số CCCD này.",
                         "No dossier with this code and ID number."),
    "lookup.need_both": ("Cần nhập cả mã hồ sơ và số CCCD.", "Enter both the dossier code and the ID number."),
    "lookup.result": ("Hồ sơ {code}: {status}. Ngày hẹn trả: {due}.", "Dossier {code}: {status}. Due: {due}."),
    "lookup.procedure": ("Thủ tục: {name}", "Procedure: {name}"),
    "ticket.title": ("Lấy số thứ tự", "Take a queue ticket"),
    "ticket.normal": ("Số thường", "Normal ticket"),
    "ticket.priority": ("Ưu tiên (người cao tuổi, khuyết tật, phụ nữ mang thai)",
                        "Priority (elderly, disabled, pregnant)"),
    "ticket.yours": ("Số của quý khách", "Your number"),
    "ticket.ahead": ("Trước quý khách còn {n} người", "{n} people ahead of you"),
    "ticket.printed": ("Phiếu đã được in.", "The ticket was printed."),
    "scan.not_here": ("Đã quét, nhưng màn hình này không dùng mã đó.",
                      "Scanned, but this screen does not use that code."),
    # -- login / lock ----------------------------------------------------------------------------
    "login.title": ("Đăng nhập cán bộ", "Staff login"),
    "login.username": ("Tên đăng nhập", "User name"),
    "login.pin": ("Mã PIN", "PIN"),
    "login.submit": ("Đăng nhập", "Log in"),
    "login.cancel": ("Hủy", "Cancel"),
    "login.wrong": ("Sai tên đăng nhập hoặc mã PIN.", "Wrong user name or PIN."),
    "login.locked_out": ("Tài khoản tạm khóa do nhập sai PIN nhiều lần, đến {until}.",
                         "Account locked after too many wrong PINs, until {until}."),
    "login.locked_session": ("Phiên của {name} đang khóa. Nhập PIN để tiếp tục.",
                             "{name}'s session is locked. Enter the PIN to continue."),
    "login.busy": ("Đang kiểm tra…", "Checking…"),
    # -- staff home ------------------------------------------------------------------------------
    "home.title": ("Trang chính", "Home"),
    "home.hello": ("Cán bộ: {name} ({role})", "Officer: {name} ({role})"),
    "home.queue": ("Hàng đợi: {waiting} chờ, {serving} đang phục vụ",
                   "Queue: {waiting} waiting, {serving} being served"),
    "home.due_today": ("Hồ sơ đến hạn hôm nay: {n}", "Dossiers due today: {n}"),
    "home.overdue": ("Hồ sơ quá hạn: {n}", "Overdue dossiers: {n}"),
    "home.intake_today": ("Đã tiếp nhận hôm nay: {n}", "Received today: {n}"),
    "home.sync_up": ("Kết nối: có mạng", "Link: up"),
    "home.sync_down": ("Kết nối: mất mạng", "Link: down"),
    "home.sync_never": ("Kết nối: chưa đồng bộ lần nào", "Link: never synced"),
    "home.backlog": ("Chờ gửi: {n} bản ghi", "Outbox: {n} records"),
    "home.last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
    "home.clock_untrusted": ("⚠ Đồng hồ chưa được xác thực — kiểm tra ngày giờ.",
                             "⚠ The clock is not trusted — check the date and time."),
    "home.menu": ("Chọn chức năng (phím số):", "Choose (number keys):"),
    "home.loading": ("Đang tải…", "Loading…"),
    "home.refresh": ("Tải lại", "Refresh"),
    "intake.save_short": ("Lưu", "Save"),
    "menu.intake": ("1 Tiếp nhận", "1 Intake"),
    "menu.dossiers": ("2 Hồ sơ", "2 Dossiers"),
    "menu.queue": ("3 Hàng đợi", "3 Queue"),
    "menu.catalogue": ("4 Thủ tục", "4 Catalogue"),
    "menu.forms": ("5 Báo cáo", "5 Reports"),
    "menu.sync": ("6 Đồng bộ", "6 Sync"),
    "menu.admin": ("7 Quản trị", "7 Admin"),
    "role.officer": ("cán bộ", "officer"),
    "role.leader": ("lãnh đạo", "leader"),
    "role.admin": ("quản trị", "admin"),
    # -- catalogue -------------------------------------------------------------------------------
    "catalogue.title": ("Danh mục thủ tục hành chính", "Administrative procedures"),
    "catalogue.search": ("Tìm thủ tục (gõ không dấu cũng được)", "Search procedures (accents optional)"),
    "catalogue.field": ("Lĩnh vực: {field}", "Field: {field}"),
    "catalogue.deadline": ("Thời hạn giải quyết: {days}", "Processing time: {days}"),
    "catalogue.same_day": ("trong ngày", "same day"),
    "catalogue.days": ("{n} ngày làm việc", "{n} working days"),
    "catalogue.verification": ("(+{n} ngày nếu cần xác minh)", "(+{n} days if verification is needed)"),
    "catalogue.fee": ("Lệ phí: {fee}", "Fee: {fee}"),
    "catalogue.free": ("miễn phí", "free"),
    "catalogue.documents": ("Giấy tờ cần nộp:", "Documents to bring:"),
    "catalogue.empty": ("Không có thủ tục nào khớp.", "No procedure matches."),
    # -- intake ----------------------------------------------------------------------------------
    "intake.title": ("Tiếp nhận hồ sơ", "Receive a dossier"),
    "intake.procedure": ("Thủ tục", "Procedure"),
    "intake.pick_procedure": ("Chọn thủ tục…", "Choose a procedure…"),
    "intake.scan": ("Quét mã QR trên CCCD (hoặc dán chuỗi)", "Scan the ID card's QR (or paste the line)"),
    "intake.scan_ok": ("Đã điền thông tin từ CCCD.", "Filled in from the ID card."),
    "intake.name": ("Họ và tên", "Full name"),
    "intake.id_number": ("Số CCCD (12 số)", "ID number (12 digits)"),
    "intake.dob": ("Ngày sinh (dd/mm/yyyy)", "Date of birth (dd/mm/yyyy)"),
    "intake.address": ("Địa chỉ", "Address"),
    "intake.phone": ("Điện thoại", "Phone"),
    "intake.documents": ("Giấy tờ đã nhận", "Documents received"),
    "intake.due": ("Ngày hẹn trả: {date}", "Due date: {date}"),
    "intake.due_unknown": ("Ngày hẹn trả: (chọn thủ tục)", "Due date: (choose a procedure)"),
    "intake.save": ("Lưu và in giấy hẹn", "Save and print receipt"),
    "intake.saving": ("Đang lưu…", "Saving…"),
    "intake.missing_docs": ("Còn thiếu {n} giấy tờ — vẫn có thể lưu nếu lãnh đạo đồng ý.",
                            "{n} documents missing."),
    "intake.no_procedure": ("Chưa chọn thủ tục.", "No procedure chosen."),
    "intake.ticket": ("Đang phục vụ số {label}", "Serving ticket {label}"),
    # -- receipt ---------------------------------------------------------------------------------
    "receipt.title": ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Receipt and return date"),
    "receipt.saved": ("Đã lưu bản in tại {path}", "Saved for reprint at {path}"),
    "receipt.printed": ("Đã gửi tới máy in.", "Sent to the printer."),
    "receipt.no_printer": ("Không có máy in — phiếu đã lưu để in lại.",
                           "No printer — the slip is saved for reprinting."),
    "receipt.print_failed": ("Máy in lỗi: {error}. Phiếu đã lưu để in lại.",
                             "Printer error: {error}. The slip is saved for reprinting."),
    "receipt.reprint": ("In lại", "Reprint"),
    "receipt.new": ("Hồ sơ mới", "New dossier"),
    "receipt.done": ("Xong", "Done"),
    # -- dossiers --------------------------------------------------------------------------------
    "dossiers.title": ("Hồ sơ", "Dossiers"),
    "dossiers.search": ("Tìm theo tên, mã, số CCCD (không dấu cũng được)",
                        "Search name, code, ID number (accents optional)"),
    "dossiers.all_statuses": ("Mọi trạng thái", "All statuses"),
    "dossiers.due_any": ("Mọi hạn", "Any due date"),
    "dossiers.due_today": ("Đến hạn hôm nay", "Due today"),
    "dossiers.due_overdue": ("Quá hạn", "Overdue"),
    "dossiers.col_code": ("Mã hồ sơ", "Code"),
    "dossiers.col_name": ("Người nộp", "Applicant"),
    "dossiers.col_status": ("Trạng thái", "Status"),
    "dossiers.col_due": ("Hẹn trả", "Due"),
    "dossiers.count": ("{n} hồ sơ", "{n} dossiers"),
    "dossiers.searching": ("Đang tìm…", "Searching…"),
    "detail.title": ("Chi tiết hồ sơ {code}", "Dossier {code}"),
    "detail.procedure": ("Thủ tục", "Procedure"),
    "detail.applicant": ("Người nộp", "Applicant"),
    "detail.id_number": ("Số CCCD", "ID number"),
    "detail.status": ("Trạng thái", "Status"),
    "detail.received": ("Ngày nhận", "Received"),
    "detail.due": ("Hẹn trả", "Due"),
    "detail.officer": ("Cán bộ nhận", "Received by"),
    "detail.documents": ("Giấy tờ", "Documents"),
    "detail.history": ("Lịch sử xử lý", "History"),
    "detail.change_to": ("Chuyển sang trạng thái:", "Change status to:"),
    "detail.note": ("Ghi chú / lý do", "Note / reason"),
    "detail.no_transition": ("Hồ sơ đã kết thúc, không chuyển tiếp được.", "The dossier is closed."),
    "detail.changed": ("Đã chuyển sang: {status}", "Status changed to: {status}"),
    "detail.supplement": ("Yêu cầu bổ sung", "Supplement request"),
    "detail.apology": ("Xin lỗi, hẹn lại", "Apology, new date"),
    "detail.refusal": ("Từ chối", "Refusal"),
    "detail.reprint": ("In lại giấy hẹn", "Reprint receipt"),
    "detail.change": ("Chuyển", "Change"),
    "detail.new_date": ("Ngày hẹn mới (dd/mm/yyyy)", "New date (dd/mm/yyyy)"),
    "detail.need_note": ("Cần ghi lý do / nội dung.", "A reason / note is needed."),
    "detail.bad_date": ("Ngày không hợp lệ, dùng dạng dd/mm/yyyy.", "Bad date; use dd/mm/yyyy."),
    # -- queue -----------------------------------------------------------------------------------
    "queue.title": ("Hàng đợi — quầy {counter}", "Queue — counter {counter}"),
    "queue.issue": ("Cấp số", "Issue"),
    "queue.issue_priority": ("Cấp số ưu tiên", "Issue priority"),
    "queue.call_next": ("Gọi số tiếp", "Call next"),
    "queue.recall": ("Gọi lại", "Recall"),
    "queue.skip": ("Bỏ qua", "Skip"),
    "queue.finish": ("Xong", "Finish"),
    "queue.serving": ("Đang phục vụ: {label}", "Serving: {label}"),
    "queue.nobody": ("Chưa gọi số nào.", "Nobody called yet."),
    "queue.waiting": ("Đang chờ: {n}", "Waiting: {n}"),
    "queue.issued": ("Đã cấp số {label}", "Issued {label}"),
    "queue.empty": ("Không còn ai chờ.", "Nobody is waiting."),
    "queue.stats": ("Hôm nay: {issued} số, đã phục vụ {served}, chờ TB {wait}",
                    "Today: {issued} tickets, {served} served, avg wait {wait}"),
    "queue.col_label": ("Số", "Ticket"),
    "queue.col_status": ("Trạng thái", "Status"),
    "queue.col_time": ("Giờ lấy", "Issued"),
    "queue.status_waiting": ("chờ", "waiting"),
    "queue.status_called": ("đang phục vụ", "serving"),
    "queue.status_done": ("xong", "done"),
    "queue.status_skipped": ("bỏ qua", "skipped"),
    # -- forms -----------------------------------------------------------------------------------
    "forms.title": ("Báo cáo định kỳ", "Report forms"),
    "forms.col_name": ("Biểu mẫu", "Form"),
    "forms.col_period": ("Kỳ", "Period"),
    "forms.col_state": ("Tình trạng", "State"),
    "forms.state_missing": ("chưa làm", "not started"),
    "forms.state_draft": ("bản nháp", "draft"),
    "forms.state_submitted": ("đã gửi", "submitted"),
    "forms.fill": ("Điền biểu mẫu {name} — kỳ {period}", "{name} — period {period}"),
    "forms.save_draft": ("Lưu nháp", "Save draft"),
    "forms.submit": ("Gửi báo cáo", "Submit"),
    "forms.saved": ("Đã lưu nháp.", "Draft saved."),
    "forms.submitted": ("Đã gửi báo cáo.", "Report submitted."),
    "forms.invalid": ("Có {n} ô chưa hợp lệ — xem thông báo dưới từng ô.",
                      "{n} fields are not valid — see the message under each."),
    "forms.none": ("Chưa có biểu mẫu nào.", "No forms yet."),
    # -- sync ------------------------------------------------------------------------------------
    "sync.title": ("Đồng bộ với tỉnh", "Sync with the province"),
    "sync.pending": ("Bản ghi chờ gửi: {n}", "Records waiting to be sent: {n}"),
    "sync.oldest": ("Bản ghi cũ nhất chưa gửi: {age}", "Oldest unsent record: {age}"),
    "sync.last_ack": ("Tỉnh xác nhận lần cuối: {when}", "Last acknowledged by the province: {when}"),
    "sync.col_table": ("Bảng", "Table"),
    "sync.col_pending": ("Chờ gửi", "Pending"),
    "sync.history": ("Lịch sử kết nối", "Link history"),
    "sync.never": ("chưa bao giờ", "never"),
    "sync.none": ("không có", "none"),
    "sync.age": ("{age} trước", "{age} ago"),
    "sync.last_error": ("Lỗi gần nhất: {error}", "Last error: {error}"),
    "sync.updated": ("Tác tử đồng bộ báo lúc: {when}", "Sync agent reported at: {when}"),
    "sync.clock_ok": ("Đồng hồ: đã xác thực", "Clock: trusted"),
    # -- admin -----------------------------------------------------------------------------------
    "admin.title": ("Quản trị", "Admin"),
    "admin.col_user": ("Tên đăng nhập", "User"),
    "admin.col_name": ("Họ tên", "Name"),
    "admin.col_role": ("Vai trò", "Role"),
    "admin.col_state": ("Tình trạng", "State"),
    "admin.active": ("hoạt động", "active"),
    "admin.disabled": ("đã khóa", "disabled"),
    "admin.locked_out": ("tạm khóa", "locked out"),
    "admin.disable": ("Khóa tài khoản", "Disable"),
    "admin.enable": ("Mở tài khoản", "Enable"),
    "admin.unlock": ("Mở khóa PIN", "Unlock"),
    "admin.add": ("Thêm cán bộ", "Add staff"),
    "admin.verify": ("Kiểm tra nhật ký", "Check audit chain"),
    "admin.verify_ok": ("Nhật ký toàn vẹn: {n} dòng.", "Audit chain intact: {n} rows."),
    "admin.verify_bad": ("Nhật ký bị sai lệch: {detail}", "Audit chain broken: {detail}"),
    "admin.done": ("Đã thực hiện.", "Done."),
    "admin.forbidden": ("Chỉ quản trị viên dùng được chức năng này.", "Only an admin may do this."),
    "admin.new_user": ("Tên đăng nhập mới", "New user name"),
    "admin.new_name": ("Họ tên", "Full name"),
    "admin.new_pin": ("PIN (4–8 số)", "PIN (4–8 digits)"),
    "admin.new_role": ("Vai trò", "Role"),
    # -- errors ----------------------------------------------------------------------------------
    "error.disk_full": ("Ổ đĩa sắp đầy: chưa lưu gì, dữ liệu đã nhập vẫn còn. "
                        "Hãy giải phóng dung lượng hoặc gọi kỹ thuật viên.",
                        "Disk almost full: nothing was saved, what you typed is kept. "
                        "Free space or call the technician."),
    "error.busy": ("Cơ sở dữ liệu đang bận, chưa lưu gì. Thử lại sau giây lát.",
                   "The store is busy; nothing was saved. Try again in a moment."),
    "error.store": ("Lỗi lưu trữ, chưa lưu gì: {detail}", "Store error, nothing was saved: {detail}"),
    "error.validation": ("Thông tin chưa hợp lệ:", "Some values are not valid:"),
    "error.cccd": ("Mã QR CCCD không đọc được (ô {field}).", "The ID card QR cannot be read (field {field})."),
    "error.transition": ("Không được chuyển trạng thái này.", "This status change is not allowed."),
    "error.auth": ("Không có quyền hoặc sai thông tin đăng nhập.", "Not allowed, or wrong login."),
    "error.not_found": ("Không tìm thấy.", "Not found."),
    "error.unexpected": ("Lỗi không mong muốn: {detail}", "Unexpected error: {detail}"),
    "error.required": ("bắt buộc", "required"),
    "error.id_number": ("phải là 12 chữ số", "must be 12 digits"),
    "error.date": ("ngày dạng dd/mm/yyyy", "a date as dd/mm/yyyy"),
    "error.phone": ("số điện thoại 10 chữ số", "a 10-digit phone number"),
    # -- fields (validation messages name them) --------------------------------------------------
    "field.username": ("Tên đăng nhập", "User name"),
    "field.pin": ("Mã PIN", "PIN"),
    "field.role": ("Vai trò", "Role"),
    "field.full_name": ("Họ và tên", "Full name"),
    "field.id_number": ("Số CCCD", "ID number"),
    "field.old_id": ("Số CMND cũ", "Old ID"),
    "field.dob": ("Ngày sinh", "Date of birth"),
    "field.sex": ("Giới tính", "Sex"),
    "field.address": ("Địa chỉ", "Address"),
    "field.issue_date": ("Ngày cấp", "Issue date"),
    "field.phone": ("Điện thoại", "Phone"),
    "field.procedure_code": ("Thủ tục", "Procedure"),
    "field.documents": ("Giấy tờ", "Documents"),
    "field.note": ("Ghi chú", "Note"),
    "field.applicant_name": ("Họ và tên", "Full name"),
    "field.applicant_id_number": ("Số CCCD", "ID number"),
}


class Table:
    """A translation table: key → (Vietnamese, English). The kiosk and the dashboard each have one."""

    def __init__(self, strings: dict[str, tuple[str, str]]):
        self.strings = strings

    def t(self, key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
        """The text for `key` in `lang`, with `{name}` fields filled from `values`.

        An unknown key returns the key itself (visible, never a crash); unknown fields are left as is.
        """
        pair = self.strings.get(key)
        if pair is None:
            return key
        text = pair[1] if lang == "en" else pair[0]
        if values:
            try:
                text = text.format(**values)
            except (KeyError, IndexError, ValueError):
                pass
        return text

    def localize_bindings(self, node: Any, lang: str) -> None:
        """Set each binding's footer description of `node` (an App or Screen) from its `id`.

        Binding ids are the table keys; bindings without a table entry keep their description.
        """
        bindings_map = getattr(node, "_bindings", None)
        if bindings_map is None:
            return
        for key, bindings in bindings_map.key_to_bindings.items():
            bindings_map.key_to_bindings[key] = [
                dataclasses.replace(b, description=self.t(b.id, lang)) if b.id and b.id in self.strings else b
                for b in bindings
            ]


KIOSK = Table(STRINGS)
t = KIOSK.t
localize_bindings = KIOSK.localize_bindings


def status_label(status: str | None, lang: str) -> str:
    """A dossier status in the language (the edge's own labels); an unknown one as it is."""
    from edge.dossiers import STATUSES  # here, not at the top: the citizen screens start without it
    pair = STATUSES.get(status or "")
    if pair is None:
        return status or ""
    return pair[1] if lang == "en" else pair[0]
