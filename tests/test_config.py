"""Settings: every field of crm_kg.config.Settings (but root and extra) is read from
``CRM_KG_<NAME>`` with the field's type; a value that is not a number is one clear error."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from crm_kg.config import NOT_CONFIGURABLE, Settings, load_settings
from crm_kg.errors import CrmKgError

SAMPLE = {"str": "x-value", "int": "7", "float": "2.5", "Path": "/tmp/crm-kg-setting"}
TYPED = {"str": str, "int": int, "float": float, "Path": Path}


@pytest.mark.parametrize("setting", [f for f in fields(Settings) if f.name not in NOT_CONFIGURABLE],
                         ids=lambda f: f.name)
def test_every_setting_comes_from_the_environment(monkeypatch, setting):
    monkeypatch.setenv(f"CRM_KG_{setting.name.upper()}", SAMPLE[setting.type])
    value = getattr(load_settings(), setting.name)
    assert isinstance(value, TYPED[setting.type])
    assert str(value) == {"int": "7", "float": "2.5"}.get(setting.type, SAMPLE[setting.type])


def test_a_setting_that_is_not_a_number_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("CRM_KG_ANSWER_CACHE_ENTRIES", "many")
    with pytest.raises(CrmKgError, match="setting answer_cache_entries: 'many' is not a number"):
        load_settings()


def test_explicit_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("CRM_KG_STORE", "remote")
    assert load_settings().store == "remote"
    assert load_settings(store="embedded").store == "embedded"
