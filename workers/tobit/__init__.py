"""The Tobit adapter: the MailServer port over the provisioning API (deploy/tobit/openapi.yaml)."""

from workers.tobit.client import TobitHttpClient
from workers.tobit.servers import TobitServers

__all__ = ["TobitHttpClient", "TobitServers"]
