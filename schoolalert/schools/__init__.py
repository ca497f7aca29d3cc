"""The school registry: boards and school locations from DUO, and the reference geography."""
