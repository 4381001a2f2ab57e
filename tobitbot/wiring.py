"""The one place that connects the real things: settings in, bot and worker runtimes out."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue
from rq.serializers import JSONSerializer

from bot.audit import AuditLog
from bot.deps import BotConfig, BotDeps
from bot.secret_inbox import SecretInbox
from tobitbot.policy_holder import PolicyHolder
from tobitbot.settings import Settings
from workers.runtime import Runtime
from workers.secret_box import SecretBox
from workers.steps.base import Backends


def redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_timeout=10, health_check_interval=30)


# A worker's commands retry while Redis refuses connections or loads its data (a restart): about
# 28 s in all, 1 s apart after the first few. Not on a timeout: a hung Redis would hold each
# command for socket_timeout per try, and a write that timed out (XADD, SET NX) may have been
# applied; the worker waits that out itself (workers/rq_worker.py). redis-py's Retry retries
# timeouts unless told otherwise, and retry_on_error only adds to its list, so the list is given.
WORKER_REDIS_RETRIES = 30
WORKER_REDIS_RETRIED = (redis.exceptions.ConnectionError,)   # BusyLoadingError is one as well


def worker_redis_client(settings: Settings) -> redis.Redis:
    """Redis for a worker and its work horses: a Redis restart of seconds goes unnoticed by jobs."""
    return redis.Redis.from_url(settings.redis_url, socket_timeout=10, health_check_interval=30,
                                retry=Retry(ExponentialBackoff(cap=1, base=0.1), WORKER_REDIS_RETRIES,
                                            supported_errors=WORKER_REDIS_RETRIED))


def queue(settings: Settings, client: redis.Redis) -> Queue:
    return Queue(settings.queue_name, connection=client, serializer=JSONSerializer)


def directory(settings: Settings):
    if settings.ad_simulator_file is not None:   # the sandbox where Samba is not installed
        from tobitbot.directory_simulator import FileDirectory

        return FileDirectory(settings.ad_simulator_file, mail_domain=settings.ad_mail_domain or "tobit.test",
                             sam_format=settings.ad_sam_format)
    from workers.ad import LdapDirectory

    return LdapDirectory(settings.ad_url, settings.ad_user, settings.ad_password.get_secret_value(),
                         settings.ad_base_dn, ca_file=settings.ad_ca_file,
                         tls_verify=settings.ad_tls_verify, sam_format=settings.ad_sam_format,
                         tls_name=settings.ad_tls_name, mail_domain=settings.ad_mail_domain)


def worker_runtime(settings: Settings) -> Runtime:
    from workers.pbx import KamailioPbx
    from workers.tobit import TobitServers

    client = worker_redis_client(settings)
    ad = directory(settings)

    def tobit_url(customer: str) -> str | None:
        return ad.get_contract(customer).get("tobit-url")

    backends = Backends(
        directory=ad,
        mail=TobitServers(settings.tobit_token.get_secret_value(), tobit_url,
                          ca_file=settings.tobit_ca_file),
        pbx=KamailioPbx(settings.pbx_rpc_url),
    )
    return Runtime(client, backends, SecretBox(client, settings.secrets_key.get_secret_value()))


def policy_holder(settings: Settings, client: redis.Redis | None = None) -> PolicyHolder:
    """The policy file, loaded (a bad file is a ConfigError); reloads are audited."""
    return PolicyHolder.load(settings.policy_file, AuditLog(client or redis_client(settings)).record)


def bot_deps(settings: Settings, config: BotConfig | None = None,
             holder: PolicyHolder | None = None) -> BotDeps:
    client = redis_client(settings)
    holder = holder or policy_holder(settings, client)
    return BotDeps(
        redis=client, reader=directory(settings), policy=holder.current,
        queue=queue(settings, client),
        secrets=SecretInbox(client, settings.secrets_key.get_secret_value()),
        config=config or BotConfig(fax_server_uri=settings.fax_server_uri,
                                   audit_channel=settings.audit_channel,
                                   support_channel=settings.support_channel,
                                   job_retries=settings.job_retries,
                                   retry_intervals=tuple(settings.retry_intervals)),
    )
