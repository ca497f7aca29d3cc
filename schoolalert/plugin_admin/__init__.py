"""Plugin management: which installed plugins are enabled, and their settings (page, API, CLI)."""
