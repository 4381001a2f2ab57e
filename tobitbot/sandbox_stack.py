"""Everything `tobitbot sandbox` runs, on loopback, started and stopped as one.

Real servers where this machine has them: Redis, a throwaway Samba AD DC with the demo customer
`acme`, Kamailio; the Tobit simulator (no Tobit server can run here); `tobitbot serve` and its
workers as real processes; and the Slack emulator with its web page, which speaks only Slack's
protocol to the bot. State lives in `data_dir`, so a second run with the same directory finds
the same domain, queues, mailboxes and fax routes.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tobitbot.demo_workspace import C_AUDIT, populate
from tobitbot.servers.bot import BotProcesses
from tobitbot.servers.kamailio import KamailioServer, kamailio_binary
from tobitbot.servers.preflight import samba_file_problems
from tobitbot.servers.process import free_port
from tobitbot.servers.redis import RedisServer
from tobitbot.servers.samba import SambaDC, free_loopback_ip
from tobitbot.slack_emulator import SlackEmulator
from tobitbot.slack_emulator.history import load_history, save_history
from tobitbot.slack_emulator.web import WebPage
from tobitbot.tobit_simulator import TobitSimulator

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "deploy" / "policy.example.toml"
MANIFEST = ROOT / "deploy" / "slack-app-manifest.yaml"
CUSTOMER = "acme"
MAIL_DOMAIN = "tobit.test"
NOTICE = ("*Sandbox*: a local Slack workspace. Active Directory, Redis and the PBX are real "
          "servers on this machine; *Tobit is a simulator*. Switch users on the left.")


def has_samba() -> bool:
    return all(shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
               for name in ("samba", "samba-tool"))


def why_no_samba() -> str | None:
    """Why the sandbox cannot run a real AD DC here (and simulates it), or None if it can."""
    if not has_samba():
        return "Samba is not installed (scripts/sandbox.sh installs it)"
    missing = samba_file_problems()
    if missing:   # Debian's `samba` without samba-ad-dc: samba-tool is there, provisioning fails
        return "Samba cannot provision an AD domain here: " + "; ".join(missing)
    if os.geteuid() != 0:
        # LDAPS is on 636, a privileged port, and the DC expects to run as root
        return "Samba's AD DC needs root (run the sandbox with sudo for a real one)"
    return None


def app_features(manifest: Path) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The app's slash commands and global shortcuts, as the Slack app manifest declares them."""
    import yaml

    features = yaml.safe_load(manifest.read_text())["features"]
    commands = tuple(c["command"] for c in features.get("slash_commands", []))
    shortcuts = tuple((s["callback_id"], s["name"]) for s in features.get("shortcuts", [])
                      if s.get("type") == "global")
    return commands, shortcuts


def _secrets(data_dir: Path) -> dict[str, str]:
    """The sandbox's own keys and passwords, made once per data dir and kept there (0600)."""
    from cryptography.fernet import Fernet

    path = data_dir / "sandbox-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {"secrets_key": Fernet.generate_key().decode(),
              "tobit_token": secrets.token_urlsafe(24),
              # AD's default policy wants three character classes
              "ad_admin_password": f"Sbx-{secrets.token_urlsafe(12)}-9a"}
    path.touch(mode=0o600)
    path.write_text(json.dumps(values, indent=1))
    return values


@dataclass
class SandboxStack:
    data_dir: Path
    port: int = 0                      # the web page and the Slack Web API
    workers: int = 1
    simulated_directory: bool = False  # even where Samba is installed
    say: Callable[[str], None] = print
    redis: RedisServer | None = field(default=None, repr=False)
    samba: SambaDC | None = field(default=None, repr=False)
    kamailio: KamailioServer | None = field(default=None, repr=False)
    tobit: TobitSimulator | None = field(default=None, repr=False)
    slack: SlackEmulator | None = field(default=None, repr=False)
    bot: BotProcesses | None = field(default=None, repr=False)
    env: dict[str, str] = field(default_factory=dict, repr=False)
    simulated_because: str = "asked with --simulated-directory"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def web_url(self) -> str:
        return f"{self.slack.url}/"

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "ad-admin.txt"

    @property
    def history_file(self) -> Path:
        """The channels' messages, kept from one run to the next."""
        return self.data_dir / "slack-history.json"

    @property
    def directory_file(self) -> Path:
        """The simulated directory's state, where Samba is not installed."""
        return self.data_dir / "directory-simulator.json"

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self, interrupted: Callable[[], bool] = lambda: False) -> "SandboxStack":
        """Start everything; `interrupted()` is asked between steps (Ctrl-C while starting)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        keys = _secrets(self.data_dir)
        steps: list[Callable[[], None]] = [self._start_redis, lambda: self._start_tobit(keys),
                                           self._start_kamailio, self._start_slack]
        for step in steps:
            if interrupted():
                raise InterruptedError
            step()
        reason = None if self.simulated_directory else why_no_samba()
        if reason is not None:
            self.simulated_directory, self.simulated_because = True, reason
            self.say(f"sandbox: {reason}")
        if not self.simulated_directory:
            self._start_samba(keys)   # before the bot: it needs the DC's CA file
        if self.simulated_directory:
            self.say("sandbox: Active Directory is SIMULATED: accounts live in "
                     f"{self.directory_file}")
        if interrupted():
            raise InterruptedError
        self.env = self._bot_env(keys)
        self.bot = BotProcesses(self.env, self.log_dir, workers=self.workers)
        self.bot.start(timeout=30)
        self.slack.set_request_url(self.bot.request_url)
        if interrupted():
            raise InterruptedError
        self._seed()
        return self

    def stop(self) -> None:
        """Stop whatever was started, last first; one failure does not keep the rest running."""
        if self.slack is not None:
            try:
                save_history(self.slack.workspace, self.history_file)
            except OSError as exc:
                self.say(f"sandbox: could not keep the Slack history: {exc}")
        for part in ("bot", "slack", "tobit", "kamailio", "samba", "redis"):
            server = getattr(self, part)
            if server is None:
                continue
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                self.say(f"sandbox: stopping {part} failed: {exc}")
            setattr(self, part, None)

    def pids(self) -> list[int]:
        """The processes this stack started (each leads its own process group)."""
        procs = [getattr(server, "proc", None) for server in (self.redis, self.samba, self.kamailio)]
        if self.bot is not None:
            procs += [self.bot.serve, *self.bot.worker_procs]
        return [proc.pid for proc in procs if proc is not None]

    # ---- the parts ----------------------------------------------------------------------------

    # Each server is recorded before it starts: one that times out while starting still runs,
    # and stop() must find it.

    def _start_redis(self) -> None:
        self.redis = RedisServer(self.data_dir / "redis")
        self.redis.start()

    def _start_tobit(self, keys: dict[str, str]) -> None:
        self.tobit = TobitSimulator(self.data_dir / "tobit", keys["tobit_token"]).start()

    def _start_kamailio(self) -> None:
        if kamailio_binary() is None:
            self.say("sandbox: Kamailio is not installed (scripts/install-system.sh installs it): "
                     "enable-fax and disable-fax will report the PBX as unreachable")
            return
        self.kamailio = KamailioServer(self.data_dir / "kamailio")
        self.kamailio.start()

    def _start_slack(self) -> None:
        self.slack = SlackEmulator("xoxb-sandbox-" + secrets.token_hex(12), secrets.token_hex(16),
                                   port=self.port)
        populate(self.slack)
        load_history(self.slack.workspace, self.history_file)
        commands, shortcuts = app_features(MANIFEST)
        WebPage(self.slack, commands=commands, shortcuts=shortcuts, title="Tobit Service (sandbox)",
                notice=NOTICE).install()
        try:
            self.slack.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise RuntimeError(f"port {self.port} is in use: choose another with --port N "
                               "(0: any free port)") from None
        self.port = self.slack.port

    def _start_samba(self, keys: dict[str, str]) -> None:
        self.samba = SambaDC(self.data_dir / "samba", admin_password=keys["ad_admin_password"],
                             host_ip=free_loopback_ip())
        if self.samba.is_half_provisioned():
            self.say(f"sandbox: {self.samba.data_dir} holds a Samba domain whose provisioning "
                     "never finished (an earlier run stopped during it): removing it and "
                     "provisioning a Samba AD domain again ...")
        elif not self.samba.is_provisioned():
            self.say("sandbox: provisioning a Samba AD domain (first run only) ...")
        if not self.samba.is_provisioned():
            try:
                self.samba.provision()
            except RuntimeError as exc:   # samba-tool's own words say what it lacks
                self.samba = None
                self.simulated_directory = True
                self.simulated_because = "Samba could not provision an AD domain here"
                self.say(f"sandbox: {self.simulated_because} (scripts/check-system.sh names the "
                         f"package that is missing):\n{exc}")
                return
        self.samba.start(timeout=60)
        self.samba.ensure_customers_ou()

    def _ad_env(self) -> dict[str, str]:
        samba = self.samba
        if samba is None:
            # the AD settings stay required; the simulator file makes the bot ignore them
            return {"TOBITBOT_AD_SIMULATOR_FILE": str(self.directory_file),
                    "TOBITBOT_AD_URL": "ldaps://simulated.invalid", "TOBITBOT_AD_USER": "-",
                    "TOBITBOT_AD_PASSWORD": "-", "TOBITBOT_AD_BASE_DN": "DC=simulated"}
        return {"TOBITBOT_AD_URL": samba.ldaps_url, "TOBITBOT_AD_USER": samba.admin_user,
                "TOBITBOT_AD_PASSWORD": samba.admin_password, "TOBITBOT_AD_BASE_DN": samba.base_dn,
                "TOBITBOT_AD_CA_FILE": str(samba.ca_file), "TOBITBOT_AD_TLS_NAME": samba.tls_name}

    def _bot_env(self, keys: dict[str, str]) -> dict[str, str]:
        env = {
            "TOBITBOT_SLACK_BOT_TOKEN": self.slack.bot_token,
            "TOBITBOT_SLACK_SIGNING_SECRET": self.slack.signing_secret,
            "TOBITBOT_SLACK_API_URL": self.slack.api_url,
            "TOBITBOT_REDIS_URL": self.redis.url,
            **self._ad_env(),
            "TOBITBOT_AD_MAIL_DOMAIN": MAIL_DOMAIN,
            "TOBITBOT_TOBIT_TOKEN": keys["tobit_token"],
            "TOBITBOT_POLICY_FILE": str(POLICY),
            "TOBITBOT_SECRETS_KEY": keys["secrets_key"],
            "TOBITBOT_AUDIT_CHANNEL": C_AUDIT,
            # a sandbox should show a failure within seconds, not after minutes of back-off
            "TOBITBOT_JOB_RETRIES": "2",
            "TOBITBOT_RETRY_INTERVALS": "[2, 5]",
        }
        if self.kamailio is not None:
            env["TOBITBOT_PBX_RPC_URL"] = self.kamailio.rpc_url
            env["TOBITBOT_FAX_SERVER_URI"] = self.kamailio.fax_server_uri
        else:
            env["TOBITBOT_PBX_RPC_URL"] = f"http://127.0.0.1:{free_port()}/RPC"
        return env

    def directory(self):
        """The Directory the bot uses, for seeding and checks."""
        from tobitbot.directory_simulator import FileDirectory
        from workers.ad import LdapDirectory

        samba = self.samba
        if samba is None:
            return FileDirectory(self.directory_file, mail_domain=MAIL_DOMAIN)
        return LdapDirectory(samba.ldaps_url, samba.admin_user, samba.admin_password,
                             samba.base_dn, ca_file=samba.ca_file, tls_name=samba.tls_name,
                             mail_domain=MAIL_DOMAIN)

    def _seed(self) -> None:
        from tobitbot.demo_customer import seed_customer
        from workers.tobit import TobitHttpClient

        url = self.tobit.url_for(CUSTOMER)
        seed_customer(self.directory(), TobitHttpClient(url, self.tobit.token), CUSTOMER,
                      display_name="Acme Kommunikation GmbH", tobit_url=url,
                      domain=f"{CUSTOMER}.example")
        if self.samba is not None:
            self._write_credentials()

    def _write_credentials(self) -> None:
        samba = self.samba
        self.credentials_file.touch(mode=0o600)
        self.credentials_file.write_text(
            "# The sandbox's Samba AD DC: bind over LDAPS with these (e.g. ldapsearch, ldp)\n"
            f"url = {samba.ldaps_url}\nuser = {samba.admin_user}\n"
            f"password = {samba.admin_password}\nbase_dn = {samba.base_dn}\n"
            f"ca_file = {samba.ca_file}\ntls_name = {samba.tls_name}\n")

    # ---- what to tell the person who started it ----------------------------------------------

    def _ad_summary(self) -> list[str]:
        if self.samba is None:
            return [f"  Active Directory   SIMULATED ({self.simulated_because}): "
                    f"{self.directory_file}"]
        return [f"  Active Directory   {self.samba.ldaps_url}  base {self.samba.base_dn}",
                f"  AD admin login     {self.credentials_file}"]

    def summary(self) -> str:
        lines = [
            "tobitbot sandbox is running (Ctrl-C stops everything)",
            f"  Slack (web page)   {self.web_url}",
            f"  bot                {self.bot.request_url}  ({self.workers} worker(s))",
            f"  Redis              {self.redis.url}",
            *self._ad_summary(),
            f"  PBX (Kamailio)     " + (f"{self.kamailio.rpc_url}  SIP {self.kamailio.sip_uri}"
                                        if self.kamailio else "not installed"),
            f"  Tobit              {self.tobit.url}  (SIMULATOR, not a real Tobit server)",
            f"  demo customer      {CUSTOMER}",
            f"  logs               {self.log_dir}/ (serve, workers, sandbox), {self.data_dir}/*/*.log",
            f"  data               {self.data_dir}",
        ]
        return "\n".join(lines)
