"""Slack handlers, one module per kind of interaction: members' questions, answer buttons, staff."""
