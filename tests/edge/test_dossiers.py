"""Dossiers: intake, codes, due dates, the status machine, public lookup, search."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from edge import dossiers, outbox, search
from edge.citizens import Applicant
from edge.clock import LOCAL_TZ
from edge.config import CommuneConfig
from edge.errors import NotFoundError, TransitionError, ValidationError
from edge.store import Store

DUC = Applicant(full_name="Nguyễn Văn Đức", id_number="002090123456", dob=date(1990, 5, 4), sex="Nam",
                address="Thôn Lũng Cẩm, Xã Demo", phone="0912345678")
MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=LOCAL_TZ)  # a week with no holiday


def receive(store, when=MONDAY_10AM, applicant=DUC, proc="HT-XNHN", **kw):
    return dossiers.receive(store, procedure_code=proc, applicant=applicant,
                            documents=["Tờ khai", "Bản sao CCCD"], actor="canbo", received_at=when, **kw)


def test_intake_issues_a_legal_code_and_due_date(ref_store):
    d = receive(ref_store)
    assert re.fullmatch(r"000\.00\.19\.H17-261130-0001", d.code)
    assert d.status == "received" and d.version == 1 and d.officer == "canbo"
    assert d.due_date == "2026-12-03"  # 3 working days from Monday
    assert d.documents == ("Tờ khai", "Bản sao CCCD")


def test_codes_count_up_within_a_day_and_restart_the_next_day(ref_store):
    a, b = receive(ref_store), receive(ref_store)
    c = receive(ref_store, when=datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    assert [a.code[-11:], b.code[-11:], c.code[-11:]] == ["261130-0001", "261130-0002", "261201-0001"]


def test_two_desks_of_one_commune_never_collide_offline(tmp_path):
    from edge import demo
    codes = set()
    for desk in (1, 2):
        commune = CommuneConfig(code="00001", name="Xã Demo", province="02", agency_code="000.00.19.H17",
                                desk=desk)
        s = Store(tmp_path / f"desk{desk}.db", commune=commune)
        demo.ensure_reference_data(s)
        codes |= {receive(s).code for _ in range(5)}
        s.close()
    assert len(codes) == 10
    assert {c[-4:] for c in codes} >= {"0001", "1001"}


def test_intake_with_every_field_wrong_names_each_field_and_stores_nothing(ref_store):
    bad = Applicant(full_name="", id_number="12ab", phone="12", dob=date(2999, 1, 1))
    with pytest.raises(ValidationError) as e:
        receive(ref_store, applicant=bad)
    assert {"full_name", "id_number", "phone", "dob"} <= set(e.value.errors)
    assert ref_store.scalar("SELECT COUNT(*) FROM dossiers") == 0
    assert outbox.last_seq(ref_store) == 0


def test_unknown_procedure_is_named(ref_store):
    with pytest.raises(NotFoundError, match="NOPE"):
        receive(ref_store, proc="NOPE")


def test_every_legal_transition_writes_history_outbox_and_audit(ref_store):
    d = receive(ref_store)
    d = dossiers.transition(ref_store, d.id, "processing", actor="lanhdao")
    d = dossiers.transition(ref_store, d.id, "done", actor="lanhdao", note="Đã ký")
    d = dossiers.transition(ref_store, d.id, "returned", actor="canbo")
    steps = [(h["from_status"], h["to_status"], h["actor"]) for h in dossiers.history(ref_store, d.id)]
    assert steps == [(None, "received", "canbo"), ("received", "processing", "lanhdao"),
                     ("processing", "done", "lanhdao"), ("done", "returned", "canbo")]
    assert d.version == 4 and d.finished_at is not None
    assert ref_store.scalar("SELECT COUNT(*) FROM outbox WHERE record_id = ?", (d.id,)) == 4


def test_an_illegal_transition_is_refused_with_the_allowed_ones(ref_store):
    d = receive(ref_store)
    with pytest.raises(TransitionError, match="allowed: processing"):
        dossiers.transition(ref_store, d.id, "returned", actor="canbo")
    assert dossiers.get(ref_store, d.id).status == "received"


def test_refusal_needs_a_reason(ref_store):
    d = dossiers.receive(ref_store, procedure_code="HT-KS", applicant=DUC, documents=[], actor="canbo",
                         channel="online", portal_id="G22-1", received_at=MONDAY_10AM)
    with pytest.raises(ValidationError) as e:
        dossiers.transition(ref_store, d.id, "refused", actor="canbo")
    assert "note" in e.value.errors
    assert dossiers.transition(ref_store, d.id, "refused", actor="canbo", note="Sai thẩm quyền").status == "refused"


def test_a_stale_version_is_refused(ref_store):
    d = receive(ref_store)
    dossiers.transition(ref_store, d.id, "processing", actor="lanhdao")
    with pytest.raises(TransitionError, match="version"):
        dossiers.transition(ref_store, d.id, "done", actor="canbo", expected_version=d.version)


def test_time_waiting_for_a_supplement_does_not_count(ref_store):
    d = receive(ref_store)  # due Thursday 03/12
    dossiers.transition(ref_store, d.id, "supplement_requested", actor="canbo", note="Thiếu giấy khai sinh",
                        at=datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    d = dossiers.transition(ref_store, d.id, "processing", actor="canbo",
                            at=datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ))
    assert d.paused_working_days == 2 and d.due_date == "2026-12-07"


def test_an_online_dossier_handed_over_twice_is_one_record(ref_store):
    a = receive(ref_store, channel="online", portal_id="G22.99-000123")
    b = receive(ref_store, channel="online", portal_id="G22.99-000123")
    assert a.id == b.id and a.status == "new"
    assert ref_store.scalar("SELECT COUNT(*) FROM dossiers") == 1


def test_public_lookup_needs_both_code_and_id_number(ref_store):
    d = receive(ref_store)
    seen = dossiers.public_lookup(ref_store, d.code, "002090123456")
    assert seen is not None and seen.status_vi == "Được tiếp nhận" and seen.due_date == d.due_date
    assert not hasattr(seen, "applicant_name")
    assert dossiers.public_lookup(ref_store, d.code, "002090999999") is None
    assert dossiers.public_lookup(ref_store, "", "002090123456") is None


def test_search_ignores_diacritics_including_d(ref_store):
    d = receive(ref_store)
    receive(ref_store, applicant=Applicant(full_name="Trần Thị Hoa"))
    assert [r["id"] for r in search.search_dossiers(ref_store, "nguyen van duc")] == [d.id]
    assert [r["id"] for r in search.search_dossiers(ref_store, "NGUYỄN VĂN ĐỨC")] == [d.id]
    assert [r["id"] for r in search.search_dossiers(ref_store, "nguy")] == [d.id]
    assert [r["id"] for r in search.search_dossiers(ref_store, d.code)] == [d.id]
    assert [r["id"] for r in search.search_dossiers(ref_store, "002090123456")] == [d.id]
    assert search.search_dossiers(ref_store, "   ") == []


def test_the_national_holiday_of_24_november_2026_does_not_count(ref_store):
    d = receive(ref_store, when=datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL_TZ))
    assert d.due_date == "2026-11-27"  # Tuesday 24/11 is Vietnam Cultural Day


def test_due_filters(ref_store):
    d = receive(ref_store)
    assert [x.id for x in dossiers.list_dossiers(ref_store, due="today", today=date(2026, 12, 3))] == [d.id]
    assert [x.id for x in dossiers.list_dossiers(ref_store, due="overdue", today=date(2026, 12, 4))] == [d.id]
    assert dossiers.list_dossiers(ref_store, due="overdue", today=date(2026, 12, 3)) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from(list(dossiers.STATUSES)), max_size=8))
def test_random_moves_keep_history_and_versions_in_step(tmp_path_factory, moves):
    from edge import demo
    s = Store(tmp_path_factory.mktemp("sm") / "c.db")
    demo.ensure_reference_data(s)
    d = receive(s)
    for target in moves:
        try:
            d = dossiers.transition(s, d.id, target, actor="x", note="lý do")
        except TransitionError:
            assert target not in dossiers.TRANSITIONS[d.status]
        else:
            assert d.status == target
    history = dossiers.history(s, d.id)
    assert len(history) == d.version
    assert all(h["to_status"] in dossiers.TRANSITIONS.get(h["from_status"], {h["to_status"]})
               for h in history if h["from_status"])
    s.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrivals=st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=7, max_value=17),
                                   st.sampled_from([1, 2])), min_size=1, max_size=25))
def test_codes_are_legal_unique_and_contiguous_per_desk_and_day(tmp_path_factory, arrivals):
    from edge import demo
    folder = tmp_path_factory.mktemp("codes")
    stores = {}
    for desk in (1, 2):
        commune = CommuneConfig(code="00001", name="Xã Demo", province="02", agency_code="000.00.19.H17",
                                desk=desk)
        stores[desk] = Store(folder / f"d{desk}.db", commune=commune)
        demo.ensure_reference_data(stores[desk])
    codes = []
    for day_offset, hour, desk in arrivals:
        when = datetime(2026, 12, 7 + day_offset, hour, 30, tzinfo=LOCAL_TZ)
        codes.append((desk, receive(stores[desk], when=when).code))
    for s in stores.values():
        s.close()
    assert len({c for _, c in codes}) == len(codes)
    for desk, code in codes:
        m = re.fullmatch(r"000\.00\.19\.H17-(\d{6})-(\d{4})", code)
        assert m and (desk - 1) * 1000 < int(m.group(2)) < desk * 1000
    by_day: dict[tuple[int, str], list[int]] = {}
    for desk, code in codes:
        by_day.setdefault((desk, code[-11:-5]), []).append(int(code[-4:]))
    for (desk, _), numbers in by_day.items():
        assert numbers == list(range((desk - 1) * 1000 + 1, (desk - 1) * 1000 + 1 + len(numbers)))


def test_counts_agree_with_the_listings(ref_store):
    receive(ref_store)
    receive(ref_store, when=datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    for due, day in (("today", date(2026, 12, 3)), ("overdue", date(2026, 12, 4)), (None, None)):
        listed = dossiers.list_dossiers(ref_store, due=due, today=day)
        assert dossiers.count_dossiers(ref_store, due=due, today=day) == len(listed)
    assert dossiers.count_received_since(ref_store, date(2026, 12, 1)) == 1
    assert dossiers.count_received_since(ref_store, date(2026, 11, 30)) == 2


def test_a_corrected_name_is_found_by_the_new_name_only(ref_store):
    d = receive(ref_store, applicant=Applicant(full_name="Nguyen Van Duc"))
    dossiers.update_applicant(ref_store, d.id, {"applicant_name": "Nguyễn Văn Đức"}, actor="canbo")
    assert [r["applicant_name"] for r in search.search_dossiers(ref_store, "nguyen van duc")] == ["Nguyễn Văn Đức"]
    dossiers.update_applicant(ref_store, d.id, {"applicant_name": "Trần Thị Hoa"}, actor="canbo")
    assert search.search_dossiers(ref_store, "nguyen") == []
    assert [r["id"] for r in search.search_dossiers(ref_store, "tran thi hoa")] == [d.id]


def test_search_index_is_rebuilt_by_the_migration(tmp_path):
    """A store from before the contentless search index finds its dossiers after migrating."""
    from edge import demo, migrations
    s = Store(tmp_path / "c.db")
    demo.ensure_reference_data(s)
    d = receive(s)
    with s.atomic():
        s.conn.execute("DROP TABLE dossier_search")  # the empty index of schema version 2
        s.conn.execute("CREATE VIRTUAL TABLE dossier_search USING fts5(body)")
        migrations._run_in_transaction(s.conn, migrations.m003_leaner_intake)
    s.close()
    s = Store(tmp_path / "c.db")
    assert [r["id"] for r in search.search_dossiers(s, "nguyen van duc")] == [d.id]
    s.close()


def test_code_floors_from_the_province_are_never_reissued(ref_store):
    dossiers.raise_code_floors(ref_store, {"000.00.19.H17-261130-": 7, "000.00.19.H17-261201-": 1500})
    dossiers.raise_code_floors(ref_store, {"000.00.19.H17-261130-": 3})  # floors only rise
    assert receive(ref_store).code.endswith("261130-0008")
    # a floor in another desk's block does not move this desk's numbering
    assert receive(ref_store, when=datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)).code.endswith("261201-0001")
