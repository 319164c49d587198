"""The documents stage: numbered PDFs for each decision, sealed (CONTRACTS.md §7).

Numbers come from ``workers.law.numbering``; ``contexts`` turns stored plain data
into each template's context (and the authorization's seal payload), ``render`` turns a
kind and its context into PDF bytes, and the actor seals them with ``workers.seal``.
"""
