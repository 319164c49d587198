"""The verification desk: a web page and a JSON API where people and tools check a work
authorization (its PDF or its scanned code) with the one verification of ``workers.seal``.
"""
