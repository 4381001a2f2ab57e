"""Settings from TOBITBOT_* environment variables and an optional TOML file, checked at start-up.

The TOML file (path in TOBITBOT_CONFIG) uses the same names without the prefix, in lower case:
`ad_url = "ldaps://dc1.example.net"`. Environment variables win over the file. Secrets are
`SecretStr`: they never appear in a repr, a log line or an error message.

Every setting is checked here, at start, so a bad one stops `serve`, `socket` and `worker` with
its name instead of failing each request later: an empty value counts as unset (an empty
`TOBITBOT_AD_CA_FILE` is no CA file, not the directory `.`), numbers have their ranges, files
must be regular files, URLs their schemes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings import TomlConfigSettingsSource

from commands.errors import ConfigError

PREFIX = "TOBITBOT_"


def _scheme(value: str, schemes: tuple[str, ...], why: str = "") -> str:
    if not value.lower().startswith(schemes):
        raise ValueError(f"must start with {' or '.join(schemes)}{why}")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True,
                                      env_ignore_empty=True)

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
    # (RQ takes 0 at enqueue time and then fails every job: at least one retry)
    job_retries: int = Field(3, ge=1, le=20)
    retry_intervals: list[int] = Field([5, 30, 120], min_length=1)
    queue_name: str = "provisioning"

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """`key = ""` in the TOML file is unset too, as an empty environment variable is."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("ad_url")
    @classmethod
    def _ldaps_only(cls, value: str) -> str:
        return _scheme(value, ("ldaps://",), " (passwords are only set over LDAPS)")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        return _scheme(value, ("redis://", "rediss://", "unix://"))

    @field_validator("slack_api_url", "pbx_rpc_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _scheme(value, ("https://", "http://"))

    @field_validator("fax_server_uri")
    @classmethod
    def _sip_uri(cls, value: str) -> str:
        return _scheme(value, ("sip:", "sips:"))

    @field_validator("ad_ca_file", "tobit_ca_file")
    @classmethod
    def _regular_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            what = "is a directory" if value.is_dir() else "does not exist"
            raise ValueError(f"must name a file; {value} {what}")
        return value

    @field_validator("retry_intervals")
    @classmethod
    def _positive_waits(cls, value: list[int]) -> list[int]:
        if any(wait <= 0 for wait in value):
            raise ValueError("every wait must be at least 1 second")
        return value

    @field_validator("ad_sam_format")
    @classmethod
    def _sam_format(cls, value: str) -> str:
        from commands.errors import UserError
        from commands.naming import account_name

        try:   # a format that cannot name Jane Doe names nobody
            account_name("Jane", "Doe", value)
        except (ValueError, UserError):
            raise ValueError("must build an account name from {first}, {last} and "
                             "{first_initial}, for example {first_initial}{last}") from None
        return value

    @field_validator("secrets_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr) -> SecretStr:
        from cryptography.fernet import Fernet

        try:
            Fernet(value.get_secret_value())
        except (ValueError, TypeError):
            raise ValueError("is not a Fernet key (44 characters of url-safe base64; make one with "
                             "`python -c 'from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())'`)") from None
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
    """The Slack-facing commands need the bot token, signing secret and the policy file; workers
    read none of them, so a worker host need not have the policy file mounted."""
    problems = [f"{PREFIX}{name.upper()} is missing" for name in SLACK_SETTINGS
                if getattr(settings, name) is None]
    try:
        Settings._regular_file(settings.policy_file)
    except ValueError as exc:
        problems.append(f"{PREFIX}POLICY_FILE {exc}")
    if problems:
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
    return settings


def _problem(message: str) -> str:
    """pydantic's message without its "Value error, " prefix (it never holds the value)."""
    return message.removeprefix("Value error, ")


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
            problem = "is missing" if err["type"] == "missing" else _problem(err["msg"])
            lines.append(f"{name} {problem}")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from None
