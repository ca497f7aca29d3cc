"""Schoolalert: secure alerts from the Dutch police to participating primary schools."""

from schoolalert.app import create_app
from schoolalert.plugins import hookimpl

__all__ = ["create_app", "hookimpl"]
