"""Decisions: signed agents' messages and portal follow-ups, checked against the dossier (§3)."""
