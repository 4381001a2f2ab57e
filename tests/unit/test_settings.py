import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from commands.errors import ConfigError
from tobitbot.settings import load_settings, require_slack

ROOT = Path(__file__).resolve().parents[2]

REQUIRED = {
    "TOBITBOT_SLACK_BOT_TOKEN": "xoxb-test",
    "TOBITBOT_SLACK_SIGNING_SECRET": "s3cret-signing",
    "TOBITBOT_AD_URL": "ldaps://127.0.0.1",
    "TOBITBOT_AD_USER": "TOBIT\\Administrator",
    "TOBITBOT_AD_PASSWORD": "Sup3r-Secret!",
    "TOBITBOT_AD_BASE_DN": "DC=tobit,DC=test",
    "TOBITBOT_SECRETS_KEY": Fernet.generate_key().decode(),   # checked at start now
}


@pytest.fixture
def env(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("TOBITBOT_"):
            monkeypatch.delenv(key)
    for key, value in REQUIRED.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_loads_from_environment(env):
    settings = load_settings()
    assert settings.ad_url == "ldaps://127.0.0.1"
    assert settings.ad_tls_verify is True
    assert "Sup3r-Secret!" not in repr(settings)


@pytest.mark.parametrize("missing", ["TOBITBOT_AD_URL", "TOBITBOT_SECRETS_KEY"])
def test_missing_setting_is_named(env, missing):
    env.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        load_settings()


def test_slack_settings_are_required_only_by_the_slack_side(env):
    env.delenv("TOBITBOT_SLACK_SIGNING_SECRET")
    settings = load_settings()  # a worker starts without them
    with pytest.raises(ConfigError, match="TOBITBOT_SLACK_SIGNING_SECRET is missing"):
        require_slack(settings)


@pytest.mark.parametrize("value, says", [("/nonexistent/policy.toml", "does not exist"),
                                          ("/tmp", "is a directory")])
def test_the_policy_file_is_checked_for_the_slack_side_only(env, value, says):
    env.setenv("TOBITBOT_POLICY_FILE", value)
    settings = load_settings()   # a worker never reads the policy: its host need not have it
    with pytest.raises(ConfigError, match=f"TOBITBOT_POLICY_FILE must name a file; {value} {says}"):
        require_slack(settings)


def test_plain_ldap_is_refused_with_the_reason(env):
    env.setenv("TOBITBOT_AD_URL", "ldap://127.0.0.1")
    with pytest.raises(ConfigError, match="TOBITBOT_AD_URL.*ldaps://"):
        load_settings()


def test_secret_values_never_appear_in_errors(env):
    env.setenv("TOBITBOT_AD_URL", "ldap://x")
    env.setenv("TOBITBOT_AD_PASSWORD", "Sup3r-Secret!")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "Sup3r-Secret!" not in str(err.value)


def test_toml_file_fills_in_and_environment_wins(env, tmp_path):
    env.delenv("TOBITBOT_AD_BASE_DN")
    env.setenv("TOBITBOT_AD_USER", "from-env")
    config = tmp_path / "tobitbot.toml"
    config.write_text('ad_base_dn = "DC=file,DC=test"\nad_user = "from-file"\n')
    env.setenv("TOBITBOT_CONFIG", str(config))
    settings = load_settings()
    assert settings.ad_base_dn == "DC=file,DC=test"
    assert settings.ad_user == "from-env"


def test_missing_config_file_is_named(env, tmp_path):
    env.setenv("TOBITBOT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="nope.toml"):
        load_settings()


# (setting, value, what the refusal must say besides the setting's name)
BAD = [
    ("TOBITBOT_JOB_RETRIES", "0", "greater than or equal to 1"),
    ("TOBITBOT_JOB_RETRIES", "-2", "greater than or equal to 1"),
    ("TOBITBOT_JOB_RETRIES", "three", "integer"),
    ("TOBITBOT_RETRY_INTERVALS", "[5, 0]", "at least 1 second"),
    ("TOBITBOT_RETRY_INTERVALS", "[]", "at least 1 item"),
    ("TOBITBOT_AD_CA_FILE", "/", "is a directory"),
    ("TOBITBOT_AD_CA_FILE", "/nonexistent/ca.pem", "does not exist"),
    ("TOBITBOT_TOBIT_CA_FILE", "/nonexistent/ca.pem", "does not exist"),
    ("TOBITBOT_AD_URL", "ldap://dc1", "ldaps://"),
    ("TOBITBOT_REDIS_URL", "http://127.0.0.1:6379", "redis://"),
    ("TOBITBOT_SLACK_API_URL", "slack.com/api/", "https://"),
    ("TOBITBOT_PBX_RPC_URL", "127.0.0.1:5071/RPC", "http"),
    ("TOBITBOT_FAX_SERVER_URI", "fax@127.0.0.1", "sip:"),
    ("TOBITBOT_AD_SAM_FORMAT", "{surname}", "{first_initial}"),
    ("TOBITBOT_AD_SAM_FORMAT", "---", "{first_initial}"),
    ("TOBITBOT_SECRETS_KEY", "k" * 44, "Fernet key"),
    ("TOBITBOT_AD_TLS_VERIFY", "maybe", "boolean"),
]


@pytest.mark.parametrize("name, value, says", BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_setting_stops_the_start_with_its_name_and_why(env, name, value, says):
    env.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    line = next((line for line in str(err.value).splitlines() if name in line), "")
    assert says in line, str(err.value)
    if name == "TOBITBOT_SECRETS_KEY":
        assert value not in str(err.value)


def test_every_bad_setting_is_named_at_once(env):
    first = {}
    for name, value, _ in BAD:
        first.setdefault(name, value)
    for name in ("TOBITBOT_JOB_RETRIES", "TOBITBOT_AD_CA_FILE", "TOBITBOT_AD_URL", "TOBITBOT_PBX_RPC_URL"):
        env.setenv(name, first[name])
    with pytest.raises(ConfigError) as err:
        load_settings()
    for name in ("TOBITBOT_JOB_RETRIES", "TOBITBOT_AD_CA_FILE", "TOBITBOT_AD_URL", "TOBITBOT_PBX_RPC_URL"):
        assert name in str(err.value)


@pytest.mark.parametrize("name", ["TOBITBOT_AD_CA_FILE", "TOBITBOT_TOBIT_CA_FILE", "TOBITBOT_AUDIT_CHANNEL",
                                  "TOBITBOT_JOB_RETRIES", "TOBITBOT_RETRY_INTERVALS", "TOBITBOT_REDIS_URL",
                                  "TOBITBOT_POLICY_FILE", "TOBITBOT_AD_SAM_FORMAT"])
def test_an_empty_value_means_unset(env, name):
    env.setenv(name, "")
    settings = load_settings()
    default = type(settings).model_fields[name.removeprefix("TOBITBOT_").lower()].default
    assert getattr(settings, name.removeprefix("TOBITBOT_").lower()) == default


def test_an_empty_required_value_is_missing(env):
    env.setenv("TOBITBOT_AD_URL", "")
    with pytest.raises(ConfigError, match="TOBITBOT_AD_URL is missing"):
        load_settings()


def test_an_empty_value_in_the_toml_file_means_unset_too(env, tmp_path):
    config = tmp_path / "tobitbot.toml"
    config.write_text('ad_ca_file = ""\njob_retries = 0\n')
    env.setenv("TOBITBOT_CONFIG", str(config))
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "TOBITBOT_JOB_RETRIES" in str(err.value) and "TOBITBOT_AD_CA_FILE" not in str(err.value)


def test_good_files_and_values_pass(env, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env.setenv("TOBITBOT_AD_CA_FILE", str(ca))
    env.setenv("TOBITBOT_JOB_RETRIES", "1")
    env.setenv("TOBITBOT_RETRY_INTERVALS", "[1]")
    env.setenv("TOBITBOT_REDIS_URL", "rediss://redis.example:6380/1")
    env.setenv("TOBITBOT_AD_SAM_FORMAT", "{first}.{last}")
    settings = load_settings()
    assert settings.ad_ca_file == ca and settings.job_retries == 1


@pytest.mark.parametrize("command, name, value", [
    ("worker", "TOBITBOT_JOB_RETRIES", "0"),
    ("serve", "TOBITBOT_AD_CA_FILE", "/"),
])
def test_the_process_exits_naming_the_bad_setting(env, command, name, value):
    """`tobitbot serve` / `worker` themselves stop with status 2 and the setting's name before
    they connect to anything (Redis here answers nowhere, so getting past the settings shows)."""
    env.setenv(name, value)
    env.setenv("TOBITBOT_REDIS_URL", "redis://127.0.0.1:1/0")   # nothing that could answer
    args = [sys.executable, "-m", "tobitbot.cli", command] + (["--burst"] if command == "worker" else
                                                             ["--host", "127.0.0.1", "--port", "0"])
    try:
        done = subprocess.run(args, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"tobitbot {command} started with {name}={value!r}")
    assert done.returncode == 2
    assert name in done.stderr and "Traceback" not in done.stderr
