"""The procedure catalogue: bundled demo, import, versions, stale and invalid documents, search."""

from __future__ import annotations

import copy
import json

import pytest

from edge import catalogue, documents
from edge.catalogue import Procedure
from edge.documents import StaleDocument
from edge.errors import DocumentError, NotFoundError


def proc(code="KS", **over):
    entry = {"code": code, "name": "Đăng ký khai sinh", "name_en": "Birth registration",
             "field": "Hộ tịch", "deadline_days": 0, "verification_days": 0, "fee": 0,
             "fee_note": "miễn phí", "documents": ["Tờ khai", "Giấy chứng sinh"]}
    entry.update(over)
    return entry


def doc(version=1, procedures=None):
    return {"kind": "catalogue", "version": version,
            "procedures": procedures if procedures is not None else [proc()]}


def snapshot(store):
    return (store.query("SELECT * FROM procedures ORDER BY catalogue_version, code"),
            store.query("SELECT kind, version FROM documents ORDER BY kind, version"))


# -- bundled demo ------------------------------------------------------------------------------
def test_empty_store_has_catalogue_version_zero(store):
    assert catalogue.current_version(store) == 0


def test_latest_version_tells_none_from_the_bundled_demo(store):
    assert documents.latest_version(store, "catalogue") is None
    catalogue.ensure_bundled(store)
    assert documents.latest_version(store, "catalogue") == 0
    catalogue.import_document(store, doc(3), "test")
    assert documents.latest_version(store, "catalogue") == 3
    assert documents.latest_version(store, "calendar") is None


def test_bundled_demo_catalogue_installs_when_none(store):
    assert catalogue.ensure_bundled(store) == 0
    codes = {p.code for p in catalogue.procedures(store)}
    assert {"HT-KS", "HT-KT", "HT-KH", "HT-XNHN", "HT-NCMC", "HT-GH", "HT-CC", "HT-TL",
            "CT-BS", "CT-CK", "CT-HD"} <= codes


def test_bundled_demo_installs_only_once(store):
    catalogue.ensure_bundled(store)
    catalogue.ensure_bundled(store)
    assert len(documents.history(store, "catalogue")) == 1


def test_province_version_one_supersedes_the_bundled_demo(store):
    catalogue.ensure_bundled(store)
    assert catalogue.import_document(store, doc(version=1), "mqtt") == 1
    assert [p.code for p in catalogue.procedures(store)] == ["KS"]
    assert catalogue.get(store, "HT-KS", version=0).catalogue_version == 0


def test_version_zero_is_reserved_for_the_bundled_demo(store):
    with pytest.raises(DocumentError, match="version"):
        catalogue.import_document(store, doc(version=0), "mqtt")


def test_bundled_demo_is_not_installed_over_an_existing_catalogue(store):
    catalogue.import_document(store, doc(version=7), "file")
    assert catalogue.ensure_bundled(store) == 7
    assert [p.code for p in catalogue.procedures(store)] == ["KS"]


def test_bundled_marriage_adds_five_verification_days(store):
    catalogue.ensure_bundled(store)
    kh = catalogue.get(store, "HT-KH")
    assert (kh.deadline_days, kh.verification_days) == (0, 5)


def test_bundled_correction_takes_three_plus_five_days(store):
    catalogue.ensure_bundled(store)
    cc = catalogue.get(store, "HT-CC")
    assert (cc.deadline_days, cc.verification_days) == (3, 5)


def test_bundled_procedures_list_required_documents(store):
    catalogue.ensure_bundled(store)
    assert all(p.documents for p in catalogue.procedures(store))


def test_bundled_catalogue_is_marked_demo_and_unverified():
    body = json.loads(documents.bundled_path("catalogue-demo.json").read_text(encoding="utf-8"))
    assert "DEMO" in body["note"] and "UNVERIFIED" in body["note"]


# -- import and versions ----------------------------------------------------------------------
def test_import_returns_version_and_procedures_are_readable(store):
    assert catalogue.import_document(store, doc(version=3), "mqtt") == 3
    assert catalogue.get(store, "KS") == Procedure(
        code="KS", name="Đăng ký khai sinh", name_en="Birth registration", field="Hộ tịch",
        deadline_days=0, verification_days=0, fee=0, fee_note="miễn phí",
        documents=("Tờ khai", "Giấy chứng sinh"), catalogue_version=3)


def test_old_catalogue_version_stays_queryable(store):
    catalogue.import_document(store, doc(version=1, procedures=[proc(deadline_days=1)]), "f")
    catalogue.import_document(store, doc(version=2, procedures=[proc(deadline_days=4)]), "f")
    assert catalogue.get(store, "KS").deadline_days == 4
    assert catalogue.get(store, "KS", version=1).deadline_days == 1
    assert catalogue.current_version(store) == 2


def test_withdrawn_procedure_is_gone_from_current_but_kept_in_old_version(store):
    catalogue.import_document(store, doc(version=1, procedures=[proc("A"), proc("B")]), "f")
    catalogue.import_document(store, doc(version=2, procedures=[proc("A")]), "f")
    with pytest.raises(NotFoundError, match="'B'"):
        catalogue.get(store, "B")
    assert catalogue.get(store, "B", version=1).code == "B"


def test_unknown_code_error_names_the_code(store):
    catalogue.import_document(store, doc(), "f")
    with pytest.raises(NotFoundError, match="XYZ"):
        catalogue.get(store, "XYZ")


def test_get_without_any_catalogue_says_none_is_installed(store):
    with pytest.raises(NotFoundError, match="no procedure catalogue"):
        catalogue.get(store, "KS")


def test_uninstalled_version_is_not_found(store):
    catalogue.import_document(store, doc(), "f")
    with pytest.raises(NotFoundError, match="version 9"):
        catalogue.procedures(store, version=9)


def test_same_version_is_stale_and_changes_nothing(store):
    catalogue.import_document(store, doc(version=2), "f")
    before = snapshot(store)
    with pytest.raises(StaleDocument) as info:
        catalogue.import_document(store, doc(version=2, procedures=[proc("OTHER")]), "f")
    assert (info.value.version, info.value.installed) == (2, 2)
    assert snapshot(store) == before


def test_older_version_is_stale_and_a_document_error(store):
    catalogue.import_document(store, doc(version=2), "f")
    with pytest.raises(DocumentError):
        catalogue.import_document(store, doc(version=1), "f")


# -- invalid documents ------------------------------------------------------------------------
@pytest.mark.parametrize("bad, where", [
    (proc(code="có dấu"), "procedures[1].code"),
    (proc(name=""), "procedures[1].name"),
    (proc(field=None), "procedures[1].field"),
    (proc(deadline_days=-1), "procedures[1].deadline_days"),
    (proc(deadline_days="3"), "procedures[1].deadline_days"),
    (proc(verification_days=True), "procedures[1].verification_days"),
    (proc(fee=1.5), "procedures[1].fee"),
    (proc(documents="Tờ khai"), "procedures[1].documents"),
    (proc(documents=["ok", ""]), "procedures[1].documents[1]"),
    (proc(deadline="3"), "unknown key"),
    (proc(code="A"), "listed twice"),
    ("HT-KS", "procedures[1]: must be an object"),
])
def test_invalid_procedure_is_named_and_store_is_unchanged(store, bad, where):
    catalogue.import_document(store, doc(version=1), "f")
    before = snapshot(store)
    with pytest.raises(DocumentError) as info:
        catalogue.import_document(store, doc(version=2, procedures=[proc("A"), bad]), "f")
    assert where in str(info.value)
    assert snapshot(store) == before


def test_missing_deadline_is_an_error(store):
    entry = proc()
    del entry["deadline_days"]
    with pytest.raises(DocumentError, match=r"procedures\[0\]\.deadline_days"):
        catalogue.import_document(store, doc(procedures=[entry]), "f")


@pytest.mark.parametrize("bad", [
    None, [], {"kind": "forms", "version": 1, "procedures": [proc()]},
    {"kind": "catalogue", "procedures": [proc()]}, {"kind": "catalogue", "version": 1},
    {"kind": "catalogue", "version": 1, "procedures": []},
])
def test_malformed_catalogue_document_is_rejected(store, bad):
    with pytest.raises(DocumentError):
        catalogue.import_document(store, copy.deepcopy(bad), "f")
    assert snapshot(store) == ([], [])


def test_all_bad_procedures_are_reported_at_once(store):
    bad = doc(procedures=[proc("A", fee=-5), proc("B", name=3)])
    with pytest.raises(DocumentError) as info:
        catalogue.import_document(store, bad, "f")
    assert "procedures[0].fee" in str(info.value) and "procedures[1].name" in str(info.value)


def test_import_is_in_the_audit_log(store):
    catalogue.import_document(store, doc(version=4), "usb")
    rows = store.query("SELECT actor, detail FROM audit WHERE action = 'catalogue.import'")
    assert len(rows) == 1 and json.loads(rows[0]["detail"])["source"] == "usb"


# -- search -----------------------------------------------------------------------------------
def test_search_ignores_accents_and_case(store):
    catalogue.ensure_bundled(store)
    assert [p.code for p in catalogue.search(store, "KHAI SINH")] == ["HT-KS"]


def test_search_finds_by_field(store):
    catalogue.ensure_bundled(store)
    assert {p.code for p in catalogue.search(store, "chung thuc")} == {"CT-BS", "CT-CK", "CT-HD"}


def test_search_finds_by_code(store):
    catalogue.ensure_bundled(store)
    assert [p.code for p in catalogue.search(store, "ht-cc")] == ["HT-CC"]


def test_search_matches_word_starts_only(store):
    catalogue.ensure_bundled(store)
    assert catalogue.search(store, "hai sinh") == []


def test_search_without_catalogue_is_empty(store):
    assert catalogue.search(store, "khai sinh") == []


# -- command line -----------------------------------------------------------------------------
def run_cli(tmp_path, capsys, *argv):
    from edge import cli
    from tests.conftest import write_config
    config = write_config(tmp_path / "cfg")
    code = cli.main(["--config", str(config), *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_catalogue_import_installs_the_file(tmp_path, capsys):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(doc(version=2)), encoding="utf-8")
    code, out, _ = run_cli(tmp_path, capsys, "catalogue", "import", path)
    assert code == 0 and "catalogue version 2 installed" in out
    code, out, _ = run_cli(tmp_path, capsys, "catalogue", "list")
    assert code == 0 and "KS" in out and "Đăng ký khai sinh" in out


def test_cli_catalogue_import_of_same_version_says_nothing_changed(tmp_path, capsys):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(doc(version=2)), encoding="utf-8")
    run_cli(tmp_path, capsys, "catalogue", "import", path)
    code, _, err = run_cli(tmp_path, capsys, "catalogue", "import", path)
    assert code == 1 and "nothing changed" in err


def test_cli_catalogue_import_of_broken_json_names_file_and_line(tmp_path, capsys):
    path = tmp_path / "cat.json"
    path.write_text('{"kind": "catalogue",\n "version": 1,\n "procedures": [}', encoding="utf-8")
    code, _, err = run_cli(tmp_path, capsys, "catalogue", "import", path)
    assert code == 2 and str(path) in err and "line 3" in err
    assert err.count("\n") == 1


def test_cli_catalogue_import_of_invalid_document_names_the_entry(tmp_path, capsys):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(doc(procedures=[proc(fee=-1)])), encoding="utf-8")
    code, _, err = run_cli(tmp_path, capsys, "catalogue", "import", path)
    assert code == 2 and "procedures[0].fee" in err


def documented_examples(kind):
    """The ```json examples of docs/documents.md whose kind is `kind`."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "documents.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
    return [b for b in blocks if isinstance(b, dict) and b.get("kind") == kind]


@pytest.mark.parametrize("kind", ["catalogue", "calendar", "forms"])
def test_documented_examples_import_cleanly(store, kind):
    from edge import calendar, forms
    module = {"catalogue": catalogue, "calendar": calendar, "forms": forms}[kind]
    examples = documented_examples(kind)
    assert examples
    for example in examples:
        assert module.import_document(store, example, "docs") == example["version"]
