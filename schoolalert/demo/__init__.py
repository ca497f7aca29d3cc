"""Demo data. Images are synthetic drawings only — never a photo of a child (PRODUCT §6)."""
