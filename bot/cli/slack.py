"""``python -m bot slack``: run the Slack app, in Socket Mode (default) or over HTTP.

Socket Mode needs ``SLACK_BOT_TOKEN`` and ``SLACK_APP_TOKEN`` and no public URL. HTTP mode
(``SLACK_MODE=http``) needs ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` and serves
``/slack/events`` on ``SLACK_HTTP_HOST:SLACK_HTTP_PORT`` (127.0.0.1 by default: put a TLS
proxy in front; Bolt's own ``App.start()`` would bind every interface).
"""

from __future__ import annotations

import argparse
import logging
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.errors import EXIT_OK, ConfigError
from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def configure(parser: argparse.ArgumentParser) -> None:
    """Options that override ``SLACK_MODE``, ``SLACK_HTTP_HOST`` and ``SLACK_HTTP_PORT``."""
    parser.add_argument("--mode", choices=("socket", "http"), help="override SLACK_MODE")
    parser.add_argument("--host", help="HTTP mode: address to bind (default SLACK_HTTP_HOST)")
    parser.add_argument("--port", type=int, help="HTTP mode: port (default SLACK_HTTP_PORT)")


def missing_settings(settings: Settings) -> list[str]:
    """The variables this mode needs that are not set."""
    needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if settings.slack_mode == "socket":
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in needed.items() if not value]


# Where each token is found in the app's settings, for the message when Slack refuses it.
TOKEN_HOME = {
    "SLACK_BOT_TOKEN": "OAuth & Permissions -> Bot User OAuth Token (xoxb-...)",
    "SLACK_APP_TOKEN": "Basic Information -> App-Level Tokens, scope connections:write (xapp-...)",
}


def slack_refused(setting: str, exc: Exception, api_url: str | None = None) -> ConfigError:
    """The error to show when a Slack call made with ``setting`` failed with ``exc``.

    ``exc`` is a ``SlackApiError`` (the token was refused; Bolt wraps it in a ``BoltError``)
    or an ``OSError`` (Slack, or ``SLACK_API_URL``, could not be reached).
    """
    cause: BaseException | None = exc
    while cause is not None and getattr(cause, "response", None) is None:
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        error = cause.response.get("error", "error")
        return ConfigError(
            f"Slack refused {setting} ({error}): copy it again from your app at "
            f"https://api.slack.com/apps ({TOKEN_HOME.get(setting, setting)}) into .env."
        )
    where = api_url or "https://slack.com/api/"
    reason = getattr(exc, "reason", None) or exc  # URLError wraps the socket error
    return ConfigError(
        f"cannot reach Slack at {where} ({reason}): check the network, or SLACK_API_URL."
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve Slack until interrupted, with the staff desk's loop running; the exit code."""
    changes = {
        k: v
        for k, v in (
            ("slack_mode", args.mode),
            ("slack_http_host", args.host),
            ("slack_http_port", args.port),
        )
        if v
    }
    settings = settings.with_overrides(**changes)
    missing = missing_settings(settings)
    if missing:
        raise ConfigError(f"slack: set {', '.join(missing)} in .env (see .env.example).")
    if not settings.slack_staff_channel:
        log.warning("SLACK_STAFF_CHANNEL is not set: escalations will wait in the queue")

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.factory import build_advisor
    from bot.surfaces.slack.app import build_app

    advisor = build_advisor(settings)
    try:
        app, surface = build_app(settings, advisor)  # calls auth.test with the bot token
    except (SlackApiError, BoltError, OSError) as exc:
        raise slack_refused("SLACK_BOT_TOKEN", exc, settings.slack_api_url) from exc
    surface.desk.start()  # staff posts, answers given anywhere, retries, retention
    try:
        if settings.slack_mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("connecting to Slack in Socket Mode")
            try:
                SocketModeHandler(app, settings.slack_app_token).start()
            except (SlackApiError, OSError) as exc:
                raise slack_refused("SLACK_APP_TOKEN", exc, settings.slack_api_url) from exc
        else:
            try:
                server = http_server(app, settings.slack_http_host, settings.slack_http_port)
            except OSError as exc:
                raise ConfigError(
                    f"cannot listen on {settings.slack_http_host}:{settings.slack_http_port} "
                    f"({exc.strerror}): set SLACK_HTTP_HOST / SLACK_HTTP_PORT (or --host/--port)."
                ) from exc
            log.info(
                "serving Slack events on http://%s:%s%s",
                settings.slack_http_host,
                server.server_port,
                EVENTS_PATH,
            )
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        surface.desk.stop()
    return EXIT_OK


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        log.debug("http: " + format, *args)


def http_server(app, host: str, port: int) -> WSGIServer:
    """Bolt behind a WSGI server bound to ``host`` only, with signature checks on every request."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    return make_server(
        host,
        port,
        SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
