"""Residents and agents: units, the CSV import, agent validation, caller lookup."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from telephony.db.models import Agent, Resident
from telephony.directory import (
    DirectoryError,
    Unit,
    add_agent,
    find_resident_by_phone,
    import_residents,
    sip_ha1,
    unit_exists,
)


# -- Unit -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,unit", [
    ("3-2-502", Unit(3, 2, 502)),
    (" 3-2-502 ", Unit(3, 2, 502)),
    ("3-2-502\n", Unit(3, 2, 502)),
    ("03-02-0502", Unit(3, 2, 502)),
    ("999-99-99999", Unit(999, 99, 99999)),
    ("1-1-1", Unit(1, 1, 1)),
])
def test_unit_parse(text, unit):
    assert Unit.parse(text) == unit


def test_unit_text_is_canonical():
    assert str(Unit.parse("03-02-0502")) == "3-2-502"
    assert str(Unit(12, 1, 1203)) == "12-1-1203"


@pytest.mark.parametrize("text", [
    "", "3-2", "3-2-502-1", "a-b-c", "3 2 502", "3_2_502", "3/2/502", "-3-2-502", "3--502",
    "1234-1-1", "3-123-1", "3-2-123456", "3-2-502\n4", "3-2-5o2", "+3-2-502",
])
def test_unit_parse_rejects(text):
    with pytest.raises(DirectoryError, match="building-entrance-room"):
        Unit.parse(text)


def test_directory_error_is_a_value_error():
    assert issubclass(DirectoryError, ValueError)


# -- import_residents -------------------------------------------------------------------

def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def residents(db) -> list[tuple[str, str, str]]:
    with db.session() as s:
        return [(r.name, r.phone, r.unit) for r in s.scalars(select(Resident).order_by(Resident.id))]


def write_csv(tmp_path, text: str, *, bom: bool = False, name: str = "residents.csv"):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_import_residents(db, tmp_path):
    path = write_csv(tmp_path, (
        "name,phone,unit\n"
        "陈明,13800000001,3-2-502\n"
        " 赵丽 ,+86 138-0000-0002, 5-1-101 \n"
        '"Smith, John",008613800000003,09-03-1203\n'
        "孙强,010-6512 3456,12-1-1\n"
    ), bom=True)  # Excel's UTF-8 with BOM
    with db.session() as s:
        assert import_residents(s, path) == 4
    assert residents(db) == [
        ("陈明", "13800000001", "3-2-502"),
        ("赵丽", "13800000002", "5-1-101"),
        ("Smith, John", "13800000003", "9-3-1203"),
        ("孙强", "01065123456", "12-1-1"),
    ]


def test_import_keeps_extra_columns_out_and_accepts_any_column_order(db, tmp_path):
    path = write_csv(tmp_path, "unit,note,phone,name\n3-2-502,业主,13800000001,陈明\n")
    with db.session() as s:
        assert import_residents(s, path) == 1
    assert residents(db) == [("陈明", "13800000001", "3-2-502")]


def test_import_cuts_long_names_to_the_column(db, tmp_path):
    path = write_csv(tmp_path, "name,phone,unit\n" + "名" * 150 + ",13800000001,3-2-502\n")
    with db.session() as s:
        import_residents(s, path)
    assert residents(db)[0][0] == "名" * 100


def test_header_only_imports_nothing(db, tmp_path):
    with db.session() as s:
        assert import_residents(s, write_csv(tmp_path, "name,phone,unit\n")) == 0
    assert count(db, Resident) == 0


def test_missing_columns_are_named(db, tmp_path):
    with pytest.raises(DirectoryError, match="missing column\\(s\\) phone, unit"):
        with db.session() as s:
            import_residents(s, write_csv(tmp_path, "name,telephone\n陈明,13800000001\n"))
    with pytest.raises(DirectoryError, match="missing column"):
        with db.session() as s:
            import_residents(s, write_csv(tmp_path, "", name="empty.csv"))


BAD_ROWS = [
    ("陈明,13800000001,3-2-502\n赵丽,13800000002,5-1\n孙强,13800000003,9-3-1203\n", 3, "building-entrance-room"),
    ("陈明,13800000001,3-2-502\n,13800000002,5-1-101\n", 3, "name and phone are required"),
    ("陈明,13800000001,3-2-502\n赵丽,,5-1-101\n", 3, "name and phone are required"),
    ("陈明,13800000001,3-2-502\n赵丽,not a phone,5-1-101\n", 3, "name and phone are required"),
    ("陈明,13800000001,3-2-502\n赵丽\n", 3, "name and phone are required"),  # short row
    ("陈明,13800000001,3-2-502\n赵丽,13800000002,5-1-101\n孙强,13800000003,\n", 4, "building-entrance-room"),
]


def test_a_bad_row_leaves_the_database_unchanged(db, tmp_path):
    with db.session() as s:
        s.add(Resident(name="老住户", phone="13900000000", unit="1-1-101"))
    for i, (rows, line, message) in enumerate(BAD_ROWS):
        path = write_csv(tmp_path, "name,phone,unit\n" + rows, name=f"bad{i}.csv")
        with pytest.raises(DirectoryError) as err:
            with db.session() as s:
                import_residents(s, path)
        assert f"{path}:{line}:" in str(err.value) and message in str(err.value), rows
        assert residents(db) == [("老住户", "13900000000", "1-1-101")], rows


def test_the_whole_file_is_checked_before_anything_is_added(db, tmp_path):
    """Even a caller that catches the error and commits must find nothing half-imported."""
    path = write_csv(tmp_path, "name,phone,unit\n陈明,13800000001,3-2-502\n赵丽,13800000002,nowhere\n")
    with db.session() as s:
        with pytest.raises(DirectoryError):
            import_residents(s, path)
        assert not s.new  # nothing pending in the session
    assert count(db, Resident) == 0


def test_import_of_a_file_that_is_not_utf8_adds_nothing(db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,phone,unit\n陈明,13800000001,3-2-502\n".encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        with db.session() as s:
            import_residents(s, path)
    assert count(db, Resident) == 0


# -- add_agent --------------------------------------------------------------------------

def agent_args(settings, **over):
    args = dict(number="1001", name="王建国", department="engineering", password="hotline-demo",
                realm=settings.sip_realm, departments=settings.departments)
    args.update(over)
    return args


def test_add_agent_keeps_only_the_digest(db, settings):
    with db.session() as s:
        agent = add_agent(s, **agent_args(settings))
    with db.session() as s:
        stored = s.scalars(select(Agent)).one()
        assert (stored.number, stored.name, stored.department) == ("1001", "王建国", "engineering")
        assert stored.sip_ha1 == hashlib.md5(b"1001:hotline:hotline-demo").hexdigest()
        assert stored.sip_ha1 == sip_ha1("1001", "hotline", "hotline-demo") == agent.sip_ha1
        assert "hotline-demo" not in (stored.sip_ha1, stored.name)


def test_agent_number_must_be_3_to_8_digits(db, settings):
    for number in ("12", "123456789", "10a1", "", " 1001", "1001 ", "+1001", "10 01"):
        with pytest.raises(DirectoryError, match="3 to 8 digits"):
            with db.session() as s:
                add_agent(s, **agent_args(settings, number=number))
    assert count(db, Agent) == 0
    for number in ("100", "1001", "12345678"):
        with db.session() as s:
            add_agent(s, **agent_args(settings, number=number))
    assert count(db, Agent) == 3


@pytest.mark.parametrize("number", ["1001\n", "１００１", "١٠٠١"],
                         ids=["trailing-newline", "fullwidth-digits", "arabic-indic-digits"])
def test_agent_number_is_plain_ascii_digits_only(db, settings, number):
    """The number becomes a SIP username and a [section] of pjsip_agents.conf.

    "1001\n" (a pasted spreadsheet cell) would write "[1001" and "](media-defaults)"
    on two lines: a config Asterisk refuses to load, so no agent can register.
    Full-width digits (an IME in full-width mode) make an agent no phone can
    register as. Both must be refused like any other bad number.
    """
    with pytest.raises(DirectoryError, match="3 to 8 digits"):
        with db.session() as s:
            add_agent(s, **agent_args(settings, number=number))
    assert count(db, Agent) == 0


def test_agent_department_must_exist(db, settings):
    with pytest.raises(DirectoryError, match="unknown department 'plumbing'; known: service, engineering"):
        with db.session() as s:
            add_agent(s, **agent_args(settings, department="plumbing"))
    assert count(db, Agent) == 0


def test_agent_password_needs_six_characters(db, settings):
    for password in ("", "12345"):
        with pytest.raises(DirectoryError, match="at least 6"):
            with db.session() as s:
                add_agent(s, **agent_args(settings, password=password))
    assert count(db, Agent) == 0
    with db.session() as s:
        add_agent(s, **agent_args(settings, password="123456"))
    assert count(db, Agent) == 1


def test_agent_number_is_unique(db, settings):
    with db.session() as s:
        add_agent(s, **agent_args(settings))
    with pytest.raises(DirectoryError, match="agent 1001 already exists"):
        with db.session() as s:
            add_agent(s, **agent_args(settings, name="someone else", department="service"))
    with db.session() as s:
        assert s.scalars(select(Agent)).one().name == "王建国"


def test_an_agent_name_too_long_for_the_column_is_not_a_database_error(db, settings):
    """agents.name is VARCHAR(100); a longer name must be refused or cut, on every backend.

    PostgreSQL enforces the length: a raw DataError at commit, which
    `hotline agents add` does not catch (it turns DirectoryError into a
    message, nothing else). Residents' names are cut to the column already.
    """
    name = "王" * 150
    try:
        with db.session() as s:
            add_agent(s, **agent_args(settings, name=name))
    except DirectoryError:
        assert count(db, Agent) == 0
        return
    with db.session() as s:
        stored = s.scalars(select(Agent)).one().name
    assert name.startswith(stored)


# -- caller lookup ----------------------------------------------------------------------

@pytest.fixture
def directory(db):
    with db.session() as s:
        s.add_all([
            Resident(name="陈明", phone="13800000001", unit="3-2-502"),
            Resident(name="孙强", phone="01065123456", unit="9-3-1203"),
        ])
    return db


def test_find_resident_by_phone_with_china_prefixes(directory):
    with directory.session() as s:
        for raw in ("13800000001", "+8613800000001", "+86 138 0000 0001", "+86-138-0000-0001",
                    "008613800000001", "8613800000001", "tel:+86-138-0000-0001"):
            r = find_resident_by_phone(s, raw)
            assert r is not None and (r.name, r.unit) == ("陈明", "3-2-502"), raw
        assert find_resident_by_phone(s, "010-6512 3456").name == "孙强"  # a landline


def test_find_resident_by_phone_misses(directory):
    with directory.session() as s:
        for raw in (None, "", "unknown", "anonymous", "13800000009", "+8613800000009",
                    "'; DROP TABLE residents; --", "3800000001", "138000000011"):
            assert find_resident_by_phone(s, raw) is None, raw
    assert count(directory, Resident) == 2


def test_imported_international_number_matches_the_domestic_caller_id(db, tmp_path):
    path = write_csv(tmp_path, "name,phone,unit\n赵丽,+86 138 0000 0002,5-1-101\n")
    with db.session() as s:
        import_residents(s, path)
    with db.session() as s:
        assert find_resident_by_phone(s, "13800000002").unit == "5-1-101"


def test_unit_exists(directory):
    with directory.session() as s:
        assert unit_exists(s, Unit(3, 2, 502))
        assert unit_exists(s, Unit.parse("03-02-0502"))
        assert not unit_exists(s, Unit(3, 2, 503))
