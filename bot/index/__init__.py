"""The index: what ingestion writes and answering reads.

``embedding`` is the offline sentence model, ``vectorstore`` opens Chroma (on disk or a
server) with that model, ``manifest`` records what is indexed and which collection is live,
``chunks`` maps a stored chunk to a ``Passage``, and ``units`` stores each chunk's
sentence, item and row vectors for the composer.
"""
