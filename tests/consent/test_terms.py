"""Publishing terms versions."""

from __future__ import annotations

import pytest

from schoolalert.consent import terms
from schoolalert.consent.models import TermsKind
from schoolalert.errors import Conflict
from schoolalert.extensions import db


def test_two_publications_at_the_same_moment_are_a_clear_conflict(app, publish, monkeypatch):
    publish("participation")
    with app.app_context():
        # This request read the current version before the other publication committed.
        monkeypatch.setattr(terms, "current_version", lambda kind: None)
        with pytest.raises(Conflict, match="op hetzelfde moment"):
            terms.publish(None, TermsKind.PARTICIPATION, "Text", requires_reacceptance=True)
        db.session.rollback()
        assert len(terms.all_versions()) == 1
