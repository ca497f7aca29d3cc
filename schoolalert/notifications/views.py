"""No pages: the blueprint makes the mail templates (``templates/mail/``) available."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")
