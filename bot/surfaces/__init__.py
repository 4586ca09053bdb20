"""Surfaces: where members and staff meet Lines (Slack and Discord).

Each turns platform events into questions for the advisor and answers into platform messages;
no retrieval or escalation policy lives here.
"""
