"""The platforms' signatures on their decisions (CONTRACTS.md §3.3): ingress verifies them,
the decisions stage reads the verdict, and development keys are made here.

``verify`` holds the keys file, signing and verification; ``keys`` writes development
key pairs and the keys file.
"""
