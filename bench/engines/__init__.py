"""PDF engines under comparison: each module exposes ``render(context, code) -> bytes``.

Every engine lays out the same work authorization (one A4 page, DejaVu Sans embedded, a
text layer, the seal code as a QR code) from a context of
``workers.documents.contexts.authorization_context``.
"""
