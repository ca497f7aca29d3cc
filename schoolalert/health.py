"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from schoolalert.extensions import db
from schoolalert.tasks.backends import RQBackend
from schoolalert.tasks.sweeper import backlog

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; says nothing about its dependencies."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: the database answers, and Redis when it is configured.

    Delivery of background work is reported beside the checks: ``"status": "degraded"`` (still
    200, the node can serve) while outbox messages wait or fail longer than
    ``OUTBOX_DEGRADED_SECONDS``, with the counts and the last error under ``delivery``.
    """
    checks = {"database": _check_database()}
    backend = current_app.extensions["schoolalert.tasks"].backend
    if isinstance(backend, RQBackend):
        checks["redis"] = _check_redis(backend)
    ready = all(state == "ok" for state in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "unavailable", "checks": checks}
    if checks["database"] == "ok":
        delivery = _delivery()
        if delivery is not None:
            body["delivery"] = delivery
            if ready and delivery["state"] == "degraded":
                body["status"] = "degraded"
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return response


def _delivery() -> dict[str, object] | None:
    try:
        state = backlog()
    except Exception:
        logger.exception("readiness: outbox backlog query failed")
        db.session.rollback()
        return None
    return {"state": "degraded" if state.degraded else "ok", **state.as_dict()}


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        logger.exception("readiness: database check failed")
        db.session.rollback()
        return "failing"


def _check_redis(backend: RQBackend) -> str:
    try:
        backend.ping()
        return "ok"
    except Exception:
        logger.warning("readiness: Redis check failed", exc_info=True)
        return "failing"
