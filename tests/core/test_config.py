import pytest
from pydantic import ValidationError

from telephony.core.config import load_settings, rings_for


@pytest.mark.parametrize("ring_ms,rings", [(0, 1), (4999, 1), (5000, 2), (7000, 2), (14999, 3), (15000, 4)])
def test_rings_follow_the_chinese_cadence(ring_ms, rings):
    assert rings_for(ring_ms, 5000) == rings


def test_cadence_is_a_setting(tmp_path):
    s = load_settings(data_dir=tmp_path, ring_cadence_ms=6000)
    assert rings_for(7000, s.ring_cadence_ms) == 2
    assert s.member_ring_timeout_s == 18  # ring limit (3) x cadence


def test_config_file_then_environment_then_flags(tmp_path, monkeypatch):
    (tmp_path / "hotline.toml").write_text('company_name = "锦绣"\nsip_port = 5070\nring_limit = 4\n')
    monkeypatch.setenv("HOTLINE_SIP_PORT", "5080")
    s = load_settings(data_dir=tmp_path)
    assert s.company_name == "锦绣"
    assert s.greeting.startswith("您好，锦绣物业")
    assert s.sip_port == 5080  # environment beats the file
    assert s.ring_limit == 4
    assert load_settings(data_dir=tmp_path, sip_port=5090).sip_port == 5090  # flags beat both


def test_menu_must_name_known_categories(tmp_path):
    with pytest.raises(ValidationError, match="unknown category"):
        load_settings(data_dir=tmp_path, menu={"1": "plumbing"})


def test_menu_keys_are_single_digits(tmp_path):
    with pytest.raises(ValidationError, match="one digit"):
        load_settings(data_dir=tmp_path, menu={"12": "repair"})


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path):
    s = load_settings(data_dir=tmp_path)
    assert s.db_url == f"sqlite:///{tmp_path.resolve() / 'hotline.db'}"


@pytest.mark.parametrize("name", ["a,b", "a&b", "a;b", 'a"b', "a\\b", "a\nb"])
def test_a_data_dir_asterisk_would_split_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="data_dir"):
        load_settings(data_dir=tmp_path / name)


def test_a_data_dir_with_blanks_and_chinese_is_fine(tmp_path):
    assert load_settings(data_dir=tmp_path / "热线 数据").data_dir == (tmp_path / "热线 数据").resolve()
