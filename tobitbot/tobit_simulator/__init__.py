"""A SIMULATOR of the Tobit provisioning API (deploy/tobit/openapi.yaml), for tests and sandbox.

No Tobit server can run here and Tobit publishes no provisioning API, so this package plays the
endpoint the provider runs beside each customer's Tobit server. It says so everywhere:
`simulator: true` in /v1/health, `X-Tobit-Simulator: true` on every response, "SIMULATOR" in
every log line. One process hosts many virtual servers, one per URL prefix
(`http://127.0.0.1:PORT/<slug>`), each with its own state; a real endpoint is one base URL per
customer (R6).
"""

from tobitbot.tobit_simulator.launcher import TobitSimulator

__all__ = ["TobitSimulator"]
