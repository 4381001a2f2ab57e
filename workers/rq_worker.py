"""The RQ worker the provisioning queue runs on: crashes are noticed in seconds, not minutes.

RQ finds an abandoned job (its worker was SIGKILLed, or the machine died) when the job's
heartbeat entry expires and some worker cleans the registries; with Retry left on the job it is
requeued, and the engine's journal lets the new run finish the remaining steps exactly once.
RQ's defaults make that take 10+ minutes (heartbeat + 60 s, maintenance every 10 min); a
support engineer waiting on a half-made account should not wait that long.
"""

from __future__ import annotations

from rq import Worker
from rq.job import Job

HEARTBEAT_SECONDS = 5        # the work horse's monitor refreshes the job's entry this often
HEARTBEAT_GRACE_SECONDS = 10  # missed heartbeats tolerated before a job counts as abandoned
MAINTENANCE_SECONDS = 10      # how often one of the workers looks for abandoned jobs


class ProvisioningWorker(Worker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_SECONDS)
        kwargs.setdefault("maintenance_interval", MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Job) -> int:
        return self.job_monitoring_interval + HEARTBEAT_GRACE_SECONDS
