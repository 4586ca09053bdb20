"""Escalation: what the bot must not answer itself.

``policy`` loads the staff-editable policy file, ``detect`` decides whether a message goes to
staff, and ``judge`` adds an optional LLM opinion that can only add an escalation. The queue
that carries escalations to staff is in ``bot.storage``; the staff loop in ``bot.staff``.
"""
