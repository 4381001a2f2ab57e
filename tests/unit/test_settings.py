import pytest

from commands.errors import ConfigError
from tobitbot.settings import load_settings, require_slack

REQUIRED = {
    "TOBITBOT_SLACK_BOT_TOKEN": "xoxb-test",
    "TOBITBOT_SLACK_SIGNING_SECRET": "s3cret-signing",
    "TOBITBOT_AD_URL": "ldaps://127.0.0.1",
    "TOBITBOT_AD_USER": "TOBIT\\Administrator",
    "TOBITBOT_AD_PASSWORD": "Sup3r-Secret!",
    "TOBITBOT_AD_BASE_DN": "DC=tobit,DC=test",
    "TOBITBOT_SECRETS_KEY": "k" * 44,
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
