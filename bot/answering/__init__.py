"""Answering a question from the index: retrieval, the offline composer, and optional LLMs.

``retrieval`` finds current passages (dense search fused with BM25, the relevance gate,
superseded and expired documents handled), ``glossary`` holds the index's word weights and
acronyms, ``compose`` writes the cited offline answer from whole units, ``lifecycle`` knows
review and expiry dates, and ``llm`` writes generated answers when one is configured.
"""
