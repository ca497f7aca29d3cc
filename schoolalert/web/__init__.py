"""The web shell: base pages, language, security headers and error pages."""
