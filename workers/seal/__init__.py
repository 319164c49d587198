"""The electronic seal of issued documents (CONTRACTS.md §7): keys, code, PAdES, verification."""
