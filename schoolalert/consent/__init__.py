"""TEMPORARY STUB (not committed): replaced by the consent branch."""
