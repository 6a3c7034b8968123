"""Report forms: definitions, Vietnamese input, validation, drafts, submission, due periods."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge import audit, forms
from edge.documents import StaleDocument
from edge.errors import DocumentError, NotFoundError, ValidationError
from edge.forms import AlreadySubmitted, FieldDef, FormDefinition

DEMO = "BC-CDS-XA"


@pytest.fixture
def demo(store):
    forms.ensure_bundled(store)
    return store


def form(*fields, code="F1", period="monthly"):
    return FormDefinition(code=code, version=1, title="Biểu mẫu thử", period=period, fields=tuple(fields))


def one(ftype, **kw) -> FormDefinition:
    return form(FieldDef(name="x", label="X", type=ftype, **kw))


def error_of(defn, values) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        forms.validate(defn, values)
    return info.value.errors


GOOD = {"nguoi_lap": "Lò Thị Mai", "ngay_lap": "03/12/2026", "so_ho_so_tiep_nhan": "1.234",
        "so_ho_so_truc_tuyen": "56", "ty_le_dung_han": "97,5", "ket_noi_internet": "Ổn định",
        "co_chu_ky_so": "có", "kien_nghi": ""}


def forms_doc(version=1, entries=None):
    return {"kind": "forms", "version": version, "forms": entries if entries is not None else [
        {"code": "F1", "title": "Thử", "period": "monthly",
         "fields": [{"name": "a", "label": "A", "type": "integer", "required": True}]}]}


def snapshot(store):
    return (store.query("SELECT code, version FROM form_definitions ORDER BY code, version"),
            store.query("SELECT kind, version FROM documents ORDER BY kind, version"))


# -- Vietnamese input -------------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("1.234,5", Decimal("1234.5")), ("1234,5", Decimal("1234.5")), ("1.234", Decimal("1234")),
    ("1.234.567", Decimal("1234567")), ("1.5", Decimal("1.5")), ("0.123", Decimal("0.123")),
    ("-12", Decimal("-12")), (" 1 234 ", Decimal("1234")), ("97,50", Decimal("97.50")),
])
def test_parse_number_reads_vietnamese_notation(text, number):
    assert forms.parse_number(text) == number


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.23.4", "12.34,5", ",5", "1e5", "--1"])
def test_parse_number_rejects_garbage(text):
    with pytest.raises(ValueError):
        forms.parse_number(text)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_number_round_trips(value):
    assert forms.parse_number(forms.format_number(value)) == value


@pytest.mark.parametrize("text", ["12/11/2026", "12-11-2026", "12.11.2026", "2026-11-12"])
def test_parse_date_reads_day_month_year_and_iso(text):
    assert forms.parse_date(text) == date(2026, 11, 12)


# -- validation per type ----------------------------------------------------------------------
def test_integer_field_converts_grouped_digits():
    assert forms.validate(one("integer"), {"x": "1.234"}) == {"x": 1234}


def test_integer_field_rejects_a_fraction():
    assert "số nguyên" in error_of(one("integer"), {"x": "12,5"})["x"]


def test_decimal_field_converts_decimal_comma():
    assert forms.validate(one("decimal"), {"x": "1.234,5"}) == {"x": 1234.5}


def test_decimal_field_limits_decimal_places():
    assert "1 chữ số" in error_of(one("decimal", decimals=1), {"x": "2,25"})["x"]


def test_date_field_converts_to_iso():
    assert forms.validate(one("date"), {"x": "12/11/2026"}) == {"x": "2026-11-12"}


def test_date_field_rejects_impossible_date():
    assert "ngày/tháng/năm" in error_of(one("date"), {"x": "31/02/2026"})["x"]


def test_choice_field_accepts_value_or_label_without_accents():
    defn = one("choice", choices=(("on_dinh", "Ổn định"), ("chap_chon", "Chập chờn")))
    assert forms.validate(defn, {"x": "chap chon"}) == {"x": "chap_chon"}
    assert forms.validate(defn, {"x": "on_dinh"}) == {"x": "on_dinh"}


def test_choice_field_lists_the_choices_on_error():
    defn = one("choice", choices=(("a", "Ổn định"), ("b", "Chập chờn")))
    assert "Ổn định, Chập chờn" in error_of(defn, {"x": "khác"})["x"]


@pytest.mark.parametrize("text, value", [("có", True), ("Co", True), ("không", False),
                                         ("KHONG", False), (True, True), (False, False)])
def test_yesno_field_understands_co_and_khong(text, value):
    assert forms.validate(one("yesno"), {"x": text}) == {"x": value}


def test_yesno_false_satisfies_required():
    assert forms.validate(one("yesno", required=True), {"x": "không"}) == {"x": False}


def test_text_field_is_stripped_and_length_limited():
    assert forms.validate(one("text"), {"x": "  Nguyễn Văn Đức "}) == {"x": "Nguyễn Văn Đức"}
    assert "Tối đa 5" in error_of(one("text", max_length=5), {"x": "quá dài"})["x"]


def test_required_field_missing_is_an_error():
    assert error_of(one("text", required=True), {"x": "  "}) == {"x": "Bắt buộc phải nhập."}


def test_optional_empty_field_is_none():
    assert forms.validate(one("integer"), {}) == {"x": None}


@pytest.mark.parametrize("value, message", [("-1", "Phải từ 0 trở lên."),
                                            ("100,5", "Không được lớn hơn 100.")])
def test_number_bounds(value, message):
    assert error_of(one("decimal", min=0, max=100), {"x": value}) == {"x": message}


def test_date_bounds_are_shown_as_day_month_year():
    defn = one("date", min="2026-01-01")
    assert error_of(defn, {"x": "31/12/2025"}) == {"x": "Không được trước ngày 01/01/2026."}


def test_unknown_field_is_reported():
    assert "không có trong biểu mẫu" in error_of(one("text"), {"y": "1"})["y"]


def test_every_bad_field_is_reported_at_once(demo):
    defn = forms.get_definition(demo, DEMO)
    bad = dict(GOOD, ngay_lap="32/12/2026", so_ho_so_tiep_nhan="nhiều", ty_le_dung_han="101",
               ket_noi_internet="?", co_chu_ky_so="chắc", nguoi_lap="")
    assert set(error_of(defn, bad)) == {"ngay_lap", "so_ho_so_tiep_nhan", "ty_le_dung_han",
                                        "ket_noi_internet", "co_chu_ky_so", "nguoi_lap"}


def test_validation_error_message_names_the_fields(demo):
    defn = forms.get_definition(demo, DEMO)
    with pytest.raises(ValidationError, match="so_ho_so_truc_tuyen"):
        forms.validate(defn, dict(GOOD, so_ho_so_truc_tuyen="-3"))


def test_bundled_demo_form_accepts_a_typed_report(demo):
    values = forms.validate(forms.get_definition(demo, DEMO), GOOD)
    assert values == {"nguoi_lap": "Lò Thị Mai", "ngay_lap": "2026-12-03", "so_ho_so_tiep_nhan": 1234,
                      "so_ho_so_truc_tuyen": 56, "ty_le_dung_han": 97.5, "ket_noi_internet": "on_dinh",
                      "co_chu_ky_so": True, "kien_nghi": None}


def test_bundled_demo_form_uses_every_field_type(demo):
    defn = forms.get_definition(demo, DEMO)
    assert {f.type for f in defn.fields} == set(forms.FIELD_TYPES)
    assert all(f.help for f in defn.fields)


# -- drafts and submission --------------------------------------------------------------------
def test_draft_may_be_incomplete(demo):
    sub = forms.save_draft(demo, DEMO, "2026-11", {"nguoi_lap": "Mai"}, actor="mai")
    assert sub["status"] == "draft" and sub["values"]["nguoi_lap"] == "Mai"
    assert sub["values"]["so_ho_so_tiep_nhan"] is None


def test_draft_is_still_type_checked(demo):
    with pytest.raises(ValidationError) as info:
        forms.save_draft(demo, DEMO, "2026-11", {"so_ho_so_tiep_nhan": "mười"}, actor="mai")
    assert list(info.value.errors) == ["so_ho_so_tiep_nhan"]
    assert forms.get_submission(demo, DEMO, "2026-11") is None


def test_saving_a_draft_again_replaces_it_with_a_new_version(demo):
    forms.save_draft(demo, DEMO, "2026-11", {"nguoi_lap": "Mai"}, actor="mai")
    sub = forms.save_draft(demo, DEMO, "2026-11", {"nguoi_lap": "Lan"}, actor="lan")
    assert (sub["version"], sub["values"]["nguoi_lap"], sub["updated_by"]) == (2, "Lan", "lan")


def test_submit_requires_every_required_field(demo):
    with pytest.raises(ValidationError) as info:
        forms.submit(demo, DEMO, "2026-11", {"nguoi_lap": "Mai"}, actor="mai")
    assert "so_ho_so_tiep_nhan" in info.value.errors
    assert forms.get_submission(demo, DEMO, "2026-11") is None


def test_submit_stores_converted_values(demo):
    forms.submit(demo, DEMO, "2026-11", GOOD, actor="mai")
    sub = forms.get_submission(demo, DEMO, "2026-11")
    assert sub["status"] == "submitted" and sub["submitted_at"]
    assert sub["values"]["ty_le_dung_han"] == 97.5 and sub["form_version"] == 0


def test_submitted_report_cannot_be_edited(demo):
    forms.submit(demo, DEMO, "2026-11", GOOD, actor="mai")
    for attempt in (forms.save_draft, forms.submit):
        with pytest.raises(AlreadySubmitted, match="đã nộp"):
            attempt(demo, DEMO, "2026-11", dict(GOOD, nguoi_lap="Lan"), actor="lan")
    assert forms.get_submission(demo, DEMO, "2026-11")["values"]["nguoi_lap"] == "Lò Thị Mai"


def test_submission_goes_through_outbox_and_audit(demo):
    sub = forms.save_draft(demo, DEMO, "2026-11", {"nguoi_lap": "Mai"}, actor="mai")
    forms.submit(demo, DEMO, "2026-11", GOOD, actor="mai")
    outbox = demo.query("SELECT version, payload FROM outbox WHERE record_id = ? ORDER BY seq", (sub["id"],))
    assert [r["version"] for r in outbox] == [1, 2]
    assert json.loads(json.loads(outbox[1]["payload"])["values"])["so_ho_so_tiep_nhan"] == 1234
    actions = [r["action"] for r in demo.query("SELECT action FROM audit WHERE record_id = ?", (sub["id"],))]
    assert actions == ["form.draft", "form.submit"]
    assert audit.verify(demo).ok


@pytest.mark.parametrize("period", ["2026-13", "2026-Q4", "26-11", "2026", ""])
def test_malformed_period_is_refused(demo, period):
    with pytest.raises(ValidationError) as info:
        forms.save_draft(demo, DEMO, period, {}, actor="mai")
    assert "period" in info.value.errors


def test_unknown_form_is_not_found(demo):
    with pytest.raises(NotFoundError, match="NOPE"):
        forms.save_draft(demo, "NOPE", "2026-11", {}, actor="mai")


# -- due periods ------------------------------------------------------------------------------
def test_last_month_is_due_and_missing(demo):
    due = forms.due_forms(demo, date(2026, 12, 2))
    assert [(d.code, p, s) for d, p, s in due] == [(DEMO, "2026-11", "missing")]


def test_due_form_shows_submitted(demo):
    forms.submit(demo, DEMO, "2026-11", GOOD, actor="mai")
    assert [(p, s) for _, p, s in forms.due_forms(demo, date(2026, 12, 2))] == [("2026-11", "submitted")]


def test_forgotten_draft_of_an_older_period_stays_listed(demo):
    forms.save_draft(demo, DEMO, "2026-09", {"nguoi_lap": "Mai"}, actor="mai")
    due = [(p, s) for _, p, s in forms.due_forms(demo, date(2026, 12, 2))]
    assert due == [("2026-09", "draft"), ("2026-11", "missing")]


def test_period_due_date_is_due_day_of_next_month(demo):
    defn = forms.get_definition(demo, DEMO)
    assert forms.period_due_date(defn, "2026-12") == date(2027, 1, 5)


@pytest.mark.parametrize("kind, day, period, previous", [
    ("monthly", date(2027, 1, 15), "2027-01", "2026-12"),
    ("quarterly", date(2027, 2, 1), "2027-Q1", "2026-Q4"),
    ("yearly", date(2027, 6, 1), "2027", "2026"),
])
def test_periods_and_previous_periods(kind, day, period, previous):
    assert forms.period_of(kind, day) == period
    assert forms.previous_period(kind, period) == previous


# -- definitions documents --------------------------------------------------------------------
def test_no_forms_installed_means_no_definitions(store):
    assert forms.definitions(store) == [] and forms.due_forms(store, date(2026, 12, 1)) == []


def test_newer_forms_document_becomes_current_and_old_version_stays(store):
    forms.import_document(store, forms_doc(version=1), "f")
    forms.import_document(store, forms_doc(version=2, entries=[
        {"code": "F2", "title": "Quý", "period": "quarterly",
         "fields": [{"name": "b", "label": "B", "type": "yesno"}]}]), "f")
    assert [d.code for d in forms.definitions(store)] == ["F2"]
    assert forms.get_definition(store, "F1", version=1).fields[0].name == "a"
    with pytest.raises(NotFoundError):
        forms.get_definition(store, "F1")


def test_same_forms_version_is_stale(store):
    forms.import_document(store, forms_doc(version=3), "f")
    before = snapshot(store)
    with pytest.raises(StaleDocument):
        forms.import_document(store, forms_doc(version=3), "f")
    assert snapshot(store) == before


def field_doc(**field):
    entry = {"name": "a", "label": "A", "type": "integer"}
    entry.update(field)
    return forms_doc(version=2, entries=[{"code": "F1", "title": "T", "period": "monthly",
                                          "fields": [{"name": "ok", "label": "OK", "type": "text"}, entry]}])


@pytest.mark.parametrize("field, where", [
    ({"type": "money"}, "fields[1].type"),
    ({"name": "Bad Name"}, "fields[1].name"),
    ({"name": "ok"}, "used twice"),
    ({"label": ""}, "fields[1].label"),
    ({"required": "yes"}, "fields[1].required"),
    ({"min": "0"}, "fields[1].min"),
    ({"min": 5, "max": 1}, "fields[1].min"),
    ({"type": "text", "min": 1}, "fields[1].min"),
    ({"type": "choice"}, "fields[1].choices"),
    ({"type": "choice", "choices": ["a", "a"]}, "fields[1].choices[1]"),
    ({"type": "date", "max": "31/12/2026"}, "fields[1].max"),
    ({"type": "decimal", "decimals": 9}, "fields[1].decimals"),
    ({"colour": "red"}, "unknown key"),
])
def test_invalid_field_definition_is_named_and_nothing_changes(store, field, where):
    forms.import_document(store, forms_doc(version=1), "f")
    before = snapshot(store)
    with pytest.raises(DocumentError) as info:
        forms.import_document(store, field_doc(**field), "f")
    assert where in str(info.value)
    assert snapshot(store) == before


@pytest.mark.parametrize("bad", [
    {"kind": "forms", "version": 1, "forms": []},
    {"kind": "forms", "version": 1, "forms": [{"code": "F", "title": "T", "period": "weekly",
                                               "fields": [{"name": "a", "label": "A", "type": "text"}]}]},
    {"kind": "forms", "version": 1, "forms": [{"code": "F", "title": "T", "period": "monthly", "fields": []}]},
    {"kind": "forms", "version": 1, "forms": [{"code": "F", "title": "T", "period": "monthly", "due_day": 31,
                                               "fields": [{"name": "a", "label": "A", "type": "text"}]}]},
    {"kind": "calendar", "version": 1, "forms": []},
])
def test_malformed_forms_document_is_rejected(store, bad):
    with pytest.raises(DocumentError):
        forms.import_document(store, copy.deepcopy(bad), "f")
    assert snapshot(store) == ([], [])


def test_bundled_forms_install_once_as_version_zero(store):
    assert forms.ensure_bundled(store) == 0
    assert forms.ensure_bundled(store) == 0
    assert [d.code for d in forms.definitions(store)] == [DEMO]
    assert len(store.query("SELECT * FROM documents WHERE kind = 'forms'")) == 1


def test_province_forms_version_one_supersedes_the_bundled_demo(demo):
    assert forms.import_document(demo, forms_doc(version=1), "mqtt") == 1
    assert [d.code for d in forms.definitions(demo)] == ["F1"]


def test_version_zero_is_reserved_for_the_bundled_demo(store):
    with pytest.raises(DocumentError, match="version"):
        forms.import_document(store, forms_doc(version=0), "mqtt")


# -- command line -----------------------------------------------------------------------------
def test_cli_forms_import_installs_and_lists(tmp_path, capsys):
    from edge import cli
    from tests.conftest import write_config
    config = write_config(tmp_path / "cfg")
    path = tmp_path / "forms.json"
    path.write_text(json.dumps(forms_doc(version=4)), encoding="utf-8")
    assert cli.main(["--config", str(config), "forms", "import", str(path)]) == 0
    assert "forms version 4 installed" in capsys.readouterr().out
    assert cli.main(["--config", str(config), "forms", "list"]) == 0
    assert "F1" in capsys.readouterr().out


ALL_TYPES = form(
    FieldDef(name="t", label="T", type="text", max_length=20),
    FieldDef(name="i", label="I", type="integer", min=0, max=1000),
    FieldDef(name="d", label="D", type="decimal", min=-5, max=5, decimals=1),
    FieldDef(name="dt", label="DT", type="date", min="2020-01-01", max="2030-12-31"),
    FieldDef(name="c", label="C", type="choice", choices=(("a", "Ổn định"), ("b", "Chập chờn"))),
    FieldDef(name="y", label="Y", type="yesno"),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["t", "i", "d", "dt", "c", "y"]),
                       st.one_of(st.text(max_size=25), st.integers(), st.floats(), st.booleans(), st.none())))
def test_any_typed_input_is_converted_or_refused_per_field(values):
    try:
        out = forms.validate(ALL_TYPES, values)
    except ValidationError as e:
        assert e.errors and set(e.errors) <= set(values)
        return
    assert set(out) == {"t", "i", "d", "dt", "c", "y"}
    json.dumps(out)  # always storable
