"""The Slack surface: platform events in, advisor calls, Block Kit out. No policy lives here."""
