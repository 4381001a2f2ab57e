"""`tobitbot`: serve (Slack over HTTP), worker (RQ), and the operator's tools."""

from __future__ import annotations

import argparse
import logging
import sys

from commands.errors import ConfigError


def _bot(settings, holder):
    """The Bolt app with its notifier running (same handlers for HTTP and Socket Mode)."""
    from bot.app import build_app
    from tobitbot.wiring import bot_deps

    app, threads = build_app(bot_deps(settings, holder=holder),
                             bot_token=settings.slack_bot_token.get_secret_value(),
                             signing_secret=settings.slack_signing_secret.get_secret_value(),
                             api_url=settings.slack_api_url)
    for thread in threads:
        thread.start()
    return app


def _serve(args: argparse.Namespace) -> None:
    from bot.http import GunicornServer, wsgi_app
    from tobitbot.settings import load_settings, require_slack
    from tobitbot.wiring import policy_holder

    settings = require_slack(load_settings())
    # The master holds the policy and reloads it on SIGHUP; workers fork with what it holds.
    holder = policy_holder(settings)
    secret = settings.slack_signing_secret.get_secret_value()
    GunicornServer(lambda: wsgi_app(_bot(settings, holder), secret), args.host, args.port,
                   on_hangup=holder.reload).run()


def _socket(args: argparse.Namespace) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from tobitbot.policy_holder import reload_on_sighup
    from tobitbot.settings import load_settings, require_slack
    from tobitbot.wiring import policy_holder

    settings = require_slack(load_settings())
    if settings.slack_app_token is None:
        raise ConfigError("Socket Mode needs TOBITBOT_SLACK_APP_TOKEN (xapp-...)")
    holder = policy_holder(settings)
    reload_on_sighup(holder)
    SocketModeHandler(_bot(settings, holder), settings.slack_app_token.get_secret_value()).start()


def _worker(args: argparse.Namespace) -> None:
    from rq.serializers import JSONSerializer

    from tobitbot.settings import load_settings
    from tobitbot.wiring import queue, worker_redis_client, worker_runtime
    from workers import runtime
    from workers.rq_worker import ProvisioningWorker
    from workers.steps import load_all

    settings = load_settings()
    load_all()
    runtime.install(lambda: worker_runtime(settings))
    client = worker_redis_client(settings)
    worker = ProvisioningWorker([queue(settings, client)], connection=client, serializer=JSONSerializer,
                                name=args.name)
    worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tobitbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve Slack's requests over HTTP at /slack/events")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.set_defaults(run=_serve)
    socket_mode = sub.add_parser("socket", help="connect to Slack over Socket Mode (no public URL)")
    socket_mode.set_defaults(run=_socket)
    worker = sub.add_parser("worker", help="run an RQ worker on the provisioning queue")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    worker.add_argument("--name", default=None)
    worker.set_defaults(run=_worker)
    from tobitbot import audit_cli, policy_cli, sandbox

    audit_cli.add_parser(sub)
    sandbox.add_parser(sub)
    policy_cli.add_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args) or 0
    except ConfigError as err:
        print(f"tobitbot: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
