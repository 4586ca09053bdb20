"""The maintainers' report: what members asked that the guidance does not answer, which
answers did not help, which documents are used or never cited, which lines are stale, and how
escalations went (``lines report``; ``gather`` builds it, ``render`` prints it as text or one
self-contained HTML page)."""
