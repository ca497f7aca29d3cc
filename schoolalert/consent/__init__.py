"""Participation of school boards (consent), terms versions, staff and their agreements."""
