"""Notifications: e-mail that says only that there is something to see in the portal."""
