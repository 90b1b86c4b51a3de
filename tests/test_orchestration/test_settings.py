"""SYNMON_CONFIG_DIR points every loader at another configuration folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sensors.alerts import load_alerts_config
from synmon.settings import CONFIG_DIR, config_dir


def test_config_dir_defaults_to_the_shipped_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNMON_CONFIG_DIR", raising=False)
    assert config_dir() == CONFIG_DIR


def test_config_dir_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, copy)
    monkeypatch.setenv("SYNMON_CONFIG_DIR", str(copy))
    assert config_dir() == copy.resolve()
    (copy / "alerts.yaml").write_text("groups: [")
    with pytest.raises(Exception, match=r"alerts\.yaml"):
        load_alerts_config(config_dir() / "alerts.yaml")
