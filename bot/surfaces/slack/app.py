"""Assembling the Bolt app: the client, the surface its handlers share, and every handler.

This is the one module that knows every handler; the handlers know only ``SlackSurface``.
"""

from __future__ import annotations

from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.advisor import Advisor
from bot.factory import build_checker
from bot.settings import Settings
from bot.surfaces.slack.handlers import buttons, check, members, staff
from bot.surfaces.slack.port import quiet_wire_loggers, retry_handlers, web_client
from bot.surfaces.slack.surface import SlackSurface


def build_app(
    settings: Settings,
    advisor: Advisor,
    *,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> tuple[App, SlackSurface]:
    """The Bolt app with every handler registered, and the surface they share.

    The staff desk's loop is not started here: ``python -m bot slack`` (and tests) call
    ``surface.desk.start()``. ``listener_executor`` runs the handlers (Bolt's default pool
    of five threads when None; tests pass one worker so events are handled in order).
    """
    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set: add the bot token (xoxb-...) to .env")
    quiet_wire_loggers()
    if client is None:
        client = web_client(settings)
    else:
        known = {type(h) for h in client.retry_handlers}
        client.retry_handlers.extend(h for h in retry_handlers() if type(h) not in known)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret if settings.slack_mode == "http" else None,
        request_verification_enabled=settings.slack_mode == "http",
        process_before_response=False,
        listener_executor=listener_executor,
    )
    # One checker per running app, sharing the advisor's detector, queue and embedder.
    surface = SlackSurface(settings, advisor, client, build_checker(settings, advisor=advisor))
    surface.identify()
    check.register(app, surface)  # before members: Bolt runs the first listener that matches
    members.register(app, surface)
    buttons.register(app, surface)
    staff.register(app, surface)
    return app, surface
