"""The same job run again (same plan, same job id) duplicates nothing: no second account,
mailbox or route. Real Redis, Samba AD, the Tobit simulator and Kamailio, run by an RQ worker.

The second run skips every step from the journal; with the journal gone (a lost Redis, a job
re-created by hand), `verify` finds each effect in place and skips it just the same.
"""

from __future__ import annotations

import pytest
import redis
from cryptography.fernet import Fernet
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer

from commands.events import JOB_STREAM, JobEvent
from commands.plan import Plan, Step
from commands.steps import CATALOGUE
from workers import runtime
from workers.ad import LdapDirectory
from workers.journal import JOURNAL_KEY
from workers.runtime import Runtime
from workers.secret_box import SecretBox
from workers.steps.base import Backends
from workers.tobit import TobitServers

pytestmark = pytest.mark.integration
REQUEST = "r-rerun-1"
NUMBER = "+4930777100"
USER = {"customer": "acme", "user": "${sam}"}


def _plan(fax_server_uri: str) -> Plan:
    steps = (
        ("ad", "create_user", {"customer": "acme", "given_name": "Rita", "surname": "Rerun",
                               "display_name": "Rita Rerun", "email": None, "solo": False}),
        ("ad", "add_to_group", {**USER, "group": "tobit-users"}),
        ("tobit", "set_pool", {"customer": "acme", "pool_mb": 5120}),
        ("tobit", "create_mailbox", {**USER, "display_name": "Rita Rerun", "mail": "${mail}"}),
        ("tobit", "set_activesync", {**USER, "enabled": False}),
        ("tobit", "set_signature", {**USER, "text": "Rita Rerun\nACME GmbH"}),
        ("ad", "set_password", {**USER, "must_change": True}),
        ("ad", "enable_user", USER),
        ("ad", "add_fax_number", {**USER, "number": NUMBER}),
        ("ad", "add_to_group", {**USER, "group": "fax-users"}),
        ("tobit", "add_fax_route", {"customer": "acme", "number": NUMBER, "user": "${sam}"}),
        ("pbx", "add_fax_route", {"customer": "acme", "number": NUMBER, "user": "${sam}",
                                  "mode": "shared", "target": fax_server_uri}),
    )
    return Plan("add-user acme \"Rita Rerun\" + enable-fax", "acme",
                tuple(Step(b, a, args, f"{b}.{a} #{i}") for i, (b, a, args) in enumerate(steps)))


@pytest.fixture
def stack(redis_url, ad_settings, customer_ou, tobit_simulator, tobit_url, kamailio, kamailio_pbx,
          sip_neighbours):
    customer_ou("acme")
    client = redis.Redis.from_url(redis_url)
    directory = LdapDirectory(**ad_settings)
    mail = TobitServers(tobit_simulator.token, {"acme": tobit_url}.get)
    runtime.install(lambda: Runtime(client, Backends(directory, mail, kamailio_pbx),
                                    SecretBox(client, Fernet.generate_key().decode())))
    yield client, directory, mail.for_customer("acme"), kamailio_pbx
    runtime.install(None)


def _run(client: redis.Redis, plan: Plan) -> list[JobEvent]:
    """Enqueue the job under its fixed id and let a worker run it; the events of this run."""
    stream = JOB_STREAM.format(request_id=REQUEST)
    seen = client.xlen(stream)
    # a queue of its own: the end-to-end stack's workers may be listening on "provisioning"
    queue = Queue("rerun-test", connection=client, serializer=JSONSerializer)
    job = queue.enqueue("workers.jobs.run_plan", REQUEST, plan.to_json(), job_id=REQUEST)
    SimpleWorker([queue], connection=client, serializer=JSONSerializer).work(burst=True)
    assert job.get_status(refresh=True) == "finished" and job.return_value() == {"status": "succeeded"}
    return [JobEvent.from_json(f[b"event"]) for _, f in client.xrange(stream)][seen:]


def test_the_same_job_twice_creates_nothing_twice_and_skips_every_step(stack, sip_neighbours):
    client, directory, tobit, pbx = stack
    plan = _plan(sip_neighbours.fax_server.uri)
    n = len(plan.steps)

    first = _run(client, plan)
    assert [e.kind for e in first if e.step] == ["step_done"] * n

    second = _run(client, plan)                       # the journal says: all done
    assert [e.kind for e in second] == ["started", "succeeded"]

    client.delete(JOURNAL_KEY.format(request_id=REQUEST))
    third = _run(client, plan)                        # no journal: verify finds every effect
    kinds = {e.step: e.kind for e in third if e.step}
    reapplied = {i + 1 for i, s in enumerate(plan.steps) if CATALOGUE[s.key].reapply}
    assert {i for i, k in kinds.items() if k == "step_skipped"} == set(range(1, n + 1)) - reapplied
    assert {i for i, k in kinds.items() if k == "step_done"} == reapplied   # a new password only

    users = directory.customer("acme").users
    assert [(u.display_name, u.enabled, u.activesync, u.fax_numbers) for u in users] == [
        ("Rita Rerun", True, False, (NUMBER,))]
    sam = users[0].sam
    assert [b["user"] for b in tobit.list_mailboxes()] == [sam]
    assert [(r["number"], r["user"]) for r in tobit.list_fax_routes()] == [(NUMBER, sam)]
    assert [(r["number"], r["user"]) for r in pbx.list_fax_routes()] == [(NUMBER, sam)]
