"""``/api/v1/auth/token`` and the administration of API tokens."""

from __future__ import annotations

from flask import Blueprint, request
from pydantic import Field
from werkzeug.wrappers import Response

from schoolalert.accounts import authentication, tokens
from schoolalert.accounts.auth import signed_in_user
from schoolalert.accounts.authentication import Channel
from schoolalert.api import answer, document, iso, json_body
from schoolalert.api.helpers import peek_json_body
from schoolalert.api.openapi import ID_QUERY
from schoolalert.extensions import limiter
from schoolalert.limits import account_key, config_limit
from schoolalert.validation import RequestModel, ResponseModel, secret, text, validate
from schoolalert.web.errors import ApiError
from schoolalert.web.input import BadQueryNumber, query_integer
from schoolalert.web.unit_of_work import keep_refusal

bp = Blueprint("accounts", __name__)


class TokenRequest(RequestModel):
    email: text(320)  # type: ignore[valid-type]
    password: secret(1024)  # type: ignore[valid-type]
    otp: text(64, description="the current TOTP code (or a recovery code)")  # type: ignore[valid-type]


class IssuedToken(ResponseModel):
    token: str
    expires_at: str = Field(description="ISO 8601 UTC")


class LiveToken(ResponseModel):
    id: int
    user_id: int
    kind: str
    label: str
    created_at: str
    expires_at: str
    last_used_at: str | None


class LiveTokens(ResponseModel):
    tokens: list[LiveToken]


def _account_key() -> str:
    """Throttle per account, whatever the spelling of its address or the client address."""
    body = peek_json_body()
    return account_key("token", body.get("email", "") if isinstance(body, dict) else "")


@bp.post("/auth/token")
@limiter.limit(config_limit("LIMIT_SIGN_IN_ADDRESS"))
@limiter.limit(config_limit("LIMIT_SIGN_IN_ACCOUNT"), key_func=_account_key)
@document(
    summary="Exchange e-mail, password and one-time code for a 15-minute bearer token",
    tags=["auth"],
    request_model=TokenRequest,
    response_model=IssuedToken,
    responses={200: "token and expires_at", 401: "wrong credentials or code", 429: "throttled"},
    auth=False,
)
def issue_token() -> tuple[Response, int]:
    body = validate(TokenRequest, json_body())
    user = authentication.check_password(body.email, body.password, Channel.API)
    if user is None or not authentication.check_second_factor(user, body.otp, Channel.API):
        keep_refusal()  # the failed attempt's audit entry is kept
        raise ApiError(401, "unauthorized", "wrong e-mail, password or code")
    token, expires_at = tokens.issue_session_token(user)
    return answer(IssuedToken, {"token": token, "expires_at": iso(expires_at)})


@bp.get("/tokens")
@document(
    summary="Live API tokens (administrators)",
    tags=["auth"],
    query={"user": ID_QUERY},
    response_model=LiveTokens,
)
def list_tokens() -> tuple[Response, int]:
    try:
        user_id = query_integer(request.args.get("user"), "user")
    except BadQueryNumber as error:
        raise ApiError(422, "unprocessable", error.message, field="user") from None
    rows = tokens.live_tokens(signed_in_user(), user_id)
    return answer(
        LiveTokens,
        {
            "tokens": [
                {
                    "id": row.id,
                    "user_id": row.user_id,
                    "kind": row.kind.value,
                    "label": row.label,
                    "created_at": iso(row.created_at),
                    "expires_at": iso(row.expires_at),
                    "last_used_at": iso(row.last_used_at),
                }
                for row in rows
            ]
        },
    )


@bp.delete("/tokens/<int:token_id>")
@document(
    summary="Revoke an API token (administrators)",
    tags=["auth"],
    responses={204: "revoked", 404: "no such live token"},
)
def revoke_token(token_id: int) -> tuple[str, int]:
    tokens.revoke_token(signed_in_user(), token_id)
    return "", 204
