"""Alerts: the life cycle from draft to closed, and the media-security library it relies on.

``images`` (intake of uploads), ``crypto`` (per-alert keys, encryption at rest, crypto-shredding),
``storage`` (where the encrypted blobs live) and ``watermark`` (per-view marking) are pure
modules without database models or views.
"""
