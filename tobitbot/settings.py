"""Settings from TOBITBOT_* environment variables and an optional TOML file, checked at start-up.

The TOML file (path in TOBITBOT_CONFIG) uses the same names without the prefix, in lower case:
`ad_url = "ldaps://dc1.example.net"`. Environment variables win over the file. Secrets are
`SecretStr`: they never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import TomlConfigSettingsSource

from commands.errors import ConfigError

PREFIX = "TOBITBOT_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    # Slack
    slack_bot_token: SecretStr | None = None        # required by serve / socket (require_slack)
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_app_token: SecretStr | None = None        # Socket Mode only
    audit_channel: str | None = None                # channel id that mirrors the audit log
    support_channel: str | None = None              # where the add-user modal posts (default: policy's)
    # Redis (queues, job state, outcomes, audit)
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Active Directory
    ad_url: str
    ad_user: str
    ad_password: SecretStr
    ad_base_dn: str
    ad_ca_file: Path | None = None
    ad_tls_verify: bool = True                      # explicit opt-out for test CAs only
    ad_sam_format: str = "{first_initial}{last}"
    ad_tls_name: str | None = None                  # name in the DC's certificate, when the URL has an IP
    ad_mail_domain: str | None = None               # mail domain for customers without an own domain
    ad_simulator_file: Path | None = None           # sandbox without Samba: a simulated AD in this file
    # Tobit provisioning endpoints (one per customer; the URL is in the customer's contract)
    tobit_token: SecretStr = SecretStr("")
    tobit_ca_file: Path | None = None
    # PBX (Kamailio JSON-RPC) and the provider's fax server
    pbx_rpc_url: str = "http://127.0.0.1:5071/RPC"
    fax_server_uri: str = "sip:fax@127.0.0.1:5080"
    # Policy (roles, risky commands, channels)
    policy_file: Path = Path("deploy/policy.example.toml")
    # Key that encrypts one-time secrets (new passwords) on their way from worker to bot (R18)
    secrets_key: SecretStr
    # a job that meets a transient backend fault runs again this many times, after these waits
    job_retries: int = 3
    retry_intervals: list[int] = [5, 30, 120]
    queue_name: str = "provisioning"

    @field_validator("ad_url")
    @classmethod
    def _ldaps_only(cls, value: str) -> str:
        if not value.lower().startswith("ldaps://"):
            raise ValueError("must start with ldaps:// (passwords are only set over LDAPS)")
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings,
                                   env_settings, dotenv_settings, file_secret_settings,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(PREFIX + "CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


class ToolSettings(BaseSettings):
    """What the operator's tools (`tobitbot policy`) read, from the same sources: no Slack, no AD."""

    model_config = Settings.model_config
    redis_url: str = Settings.model_fields["redis_url"].default
    policy_file: Path = Settings.model_fields["policy_file"].default
    settings_customise_sources = classmethod(Settings.settings_customise_sources.__func__)


SLACK_SETTINGS = ("slack_bot_token", "slack_signing_secret")


def require_slack(settings: Settings) -> Settings:
    """The Slack-facing commands need the bot token and signing secret; workers do not."""
    missing = [PREFIX + name.upper() for name in SLACK_SETTINGS if getattr(settings, name) is None]
    if missing:
        raise ConfigError("invalid settings:\n  " + "\n  ".join(f"{m} is missing" for m in missing))
    return settings


def load_settings(**overrides: Any) -> Settings:
    """Settings, or a ConfigError naming every missing or bad setting (never its value)."""
    config_file = os.environ.get(PREFIX + "CONFIG")
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"{PREFIX}CONFIG points to {config_file}, which is not a file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            problem = "is missing" if err["type"] == "missing" else err["msg"]
            lines.append(f"{name} {problem}")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from None
