"""Ingestion: files in ``knowledge/`` -> chunks with metadata -> Chroma on disk.

``metadata`` reads front matter and sidecars, ``loaders`` turns each format into sections,
``chunking`` splits sections into citable chunks, ``manifest`` remembers what is indexed, and
``pipeline`` runs an incremental ingest over one or more source folders.
"""
