"""Surfaces: where members and staff meet Lines (Slack and Discord).

The member conversation is written once, in ``conversation``; each platform only turns its
events into questions (with their ``Origin``) and renders and sends what comes back. No
retrieval or escalation policy lives here.
"""
