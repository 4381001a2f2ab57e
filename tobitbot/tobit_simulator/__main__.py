"""`python -m tobitbot.tobit_simulator --port N --state FILE --token T [--cert C --key K]`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from tobitbot.tobit_simulator.launcher import banner, build_server


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tobitbot.tobit_simulator",
                                     description="SIMULATOR of the Tobit provisioning API "
                                                 "(deploy/tobit/openapi.yaml); not a Tobit server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8710)
    parser.add_argument("--state", type=Path, required=True, help="JSON file holding all state")
    parser.add_argument("--token", default=os.environ.get("TOBIT_SIMULATOR_TOKEN"),
                        help="bearer token (default: $TOBIT_SIMULATOR_TOKEN)")
    parser.add_argument("--cert", type=Path, help="TLS certificate (PEM); serves HTTPS")
    parser.add_argument("--key", type=Path, help="TLS private key (PEM)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token or $TOBIT_SIMULATOR_TOKEN is required")
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s SIMULATOR %(levelname)s %(message)s")
    server = build_server(args.host, args.port, args.state, args.token, args.cert, args.key)
    # SIGTERM from a launcher should end serve_forever cleanly, like Ctrl-C
    signal.signal(signal.SIGTERM, _interrupt)
    logging.getLogger("tobitbot.tobit_simulator").info(banner(server, args.state))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
