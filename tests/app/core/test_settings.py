"""Settings come from the environment; a bad one fails at start with one line naming the variable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from app.core.settings import Settings, SettingsError


def env(tmp_path, **values):
    return {"KEYSHOP_INSTANCE": str(tmp_path / "instance"), **values}


def test_defaults_are_embedded_and_made_on_first_run(tmp_path):
    settings = Settings.from_env(env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'keyshop.db'}"
    assert settings.redis_url is None and settings.smtp_url is None
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.sandbox_enabled is False
    secret_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert Settings.from_env(env(tmp_path)).secret_key == settings.secret_key


def test_postgres_urls_use_psycopg3(tmp_path):
    settings = Settings.from_env(env(tmp_path, KEYSHOP_DATABASE_URL="postgres://u@db:5432/shop"))
    assert settings.database_url == "postgresql+psycopg://u@db:5432/shop"


@pytest.mark.parametrize(
    "name, value",
    [
        ("KEYSHOP_DATABASE_URL", "mysql://db/shop"),
        ("KEYSHOP_REDIS_URL", "http://127.0.0.1:6379"),
        ("KEYSHOP_SMTP_URL", "mail.example.com"),
        ("KEYSHOP_SMTP_URL", "smtp://user:pw@mail.example.com:587x"),
        ("KEYSHOP_SMTP_URL", "smtp://user:pw@:587"),
        ("KEYSHOP_SMTP_URL", "smtp://mail.example.com?tls=maybe"),
        ("KEYSHOP_SMTP_URL", "smtp://mail.example.com?starttls=off"),
        ("KEYSHOP_SMTP_URL", "smtps://mail.example.com?tls=none"),
        ("KEYSHOP_BASE_URL", "ftp://shop.example"),
        ("KEYSHOP_SANDBOX", "maybe"),
        ("KEYSHOP_SWEEP_AFTER", "soon"),
        ("KEYSHOP_SWEEP_AFTER", "-5"),
        ("KEYSHOP_WORKERS", "0"),
        ("KEYSHOP_WORKERS", "two"),
    ],
)
def test_a_malformed_setting_names_its_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=f"^{name}: "):
        Settings.from_env(env(tmp_path, **{name: value}))


def test_workers_default_to_one_per_usable_core_unless_told(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert Settings.from_env(env(tmp_path)).workers == cores
    assert Settings.from_env(env(tmp_path, KEYSHOP_WORKERS="3")).workers == 3


def test_workers_follow_the_cores_this_process_may_use(tmp_path):
    """taskset, a container's CPU set: one core allowed is one worker, however many the machine has."""
    script = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
        "from app.core.settings import Settings; "
        f"print(Settings.from_env({{'KEYSHOP_INSTANCE': {str(tmp_path / 'instance')!r}}}).workers)"
    )
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout == "1\n"


def test_an_smtp_url_error_never_shows_its_password(tmp_path):
    with pytest.raises(SettingsError, match="^KEYSHOP_SMTP_URL: ") as refused:
        Settings.from_env(env(tmp_path, KEYSHOP_SMTP_URL="smtp://shop:hunter2-secret@mail.example.com:58x"))
    assert "hunter2-secret" not in str(refused.value) and "mail.example.com" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "smtp://shop:pw@mail.example.com:587",
        "smtps://shop:pw@mail.example.com",
        "smtp://shop:pw@127.0.0.1:25?tls=none",
        "smtp://relay.internal",
    ],
)
def test_well_formed_smtp_urls_are_taken_as_given(tmp_path, url):
    assert Settings.from_env(env(tmp_path, KEYSHOP_SMTP_URL=url)).smtp_url == url


def test_half_a_provider_configuration_names_the_missing_variable(tmp_path):
    with pytest.raises(SettingsError, match="^STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set"):
        Settings.from_env(env(tmp_path, STRIPE_SECRET_KEY="sk_test_1"))


def test_the_command_line_prints_one_line_and_exits_2(tmp_path):
    environ = {**os.environ, **env(tmp_path, KEYSHOP_BASE_URL="ftp://nope")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "sweep"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "keyshop: KEYSHOP_BASE_URL: expected a http:// or https:// URL, got 'ftp://nope'"
    ]
