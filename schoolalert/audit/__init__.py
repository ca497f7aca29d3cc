"""The audit trail: append-only, hash-chained, verifiable (PRODUCT I4, LED art. 25)."""
