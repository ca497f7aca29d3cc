"""Plugins bundled with Schoolalert. Each is found through the ``schoolalert.plugins`` entry
points (setup.cfg), exactly like a third-party plugin."""
