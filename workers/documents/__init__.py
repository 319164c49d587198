"""The documents stage: numbered, deterministic PDFs for each decision (CONTRACTS.md §7).

``numbering`` makes and checks document numbers, ``contexts`` turns stored plain data
into each template's context, and ``render`` turns a kind and its context into PDF
bytes. The secure seal (QR code, JWS) and the PAdES signature come in a later stage.
"""
