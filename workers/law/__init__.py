"""What the procedure fixes and every stage reads alike, below the stages.

The Paris legal calendar, the numbering of dossiers and documents, the vocabulary of
refusals with its French and English texts and the contract's schema checks, which letter
carries which document, and how dates and contracts are written. Plain functions over
plain data: no broker, database or SMTP, and nothing of a stage.
"""
