"""The PBX adapter: the Pbx port over Kamailio's JSON-RPC (deploy/kamailio/README.md)."""

from workers.pbx.kamailio import KamailioPbx

__all__ = ["KamailioPbx"]
