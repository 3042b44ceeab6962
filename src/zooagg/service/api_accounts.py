"""JSON API for accounts: tokens (issue, list, revoke), members, password change."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import Response

from . import auth
from .access import Caller, Id, Text
from .errors import ServiceError
from .jsonio import JSONBytes
from .models import Member, Token
from .schemas import MEMBER, MemberInfo, TokenIssued, TokenItem, errors
from .state import state_of

router = APIRouter(prefix="/api", tags=["accounts"])


class SignIn(BaseModel):
    name: Text
    password: str
    label: Text = Field("api", max_length=100)


class NewMember(BaseModel):
    name: Text = Field(min_length=1, max_length=100)
    password: str = Field(min_length=auth.MIN_PASSWORD)
    admin: bool = False


class PasswordChange(BaseModel):
    old_password: str
    new_password: str = Field(min_length=auth.MIN_PASSWORD)


@router.post("/tokens", status_code=201, summary="Exchange a name and password for an API token", response_model=TokenIssued, responses=errors(400, 401, 422, 429))
def issue_token(body: SignIn, request: Request) -> Response:
    state = state_of(request)
    client = request.client.host if request.client else "?"
    with state.store.write() as session:
        member, token = auth.sign_in(session, state.limiter, client, body.name, body.password, body.label)
        return JSONBytes({"token": token, "member": member.name}, status_code=201)


@router.get("/tokens", summary="Your tokens (never their secrets)", response_model=list[TokenItem], responses=MEMBER)
def list_tokens(who: Caller, request: Request) -> Response:
    with state_of(request).store.read() as session:
        rows = session.scalars(select(Token).where(Token.member_id == who.member_id).order_by(Token.id))
        return JSONBytes([{"id": t.id, "label": t.label, "created_at": t.created_at.isoformat(),
                           "revoked": t.revoked_at is not None, "current": t.id == who.token_id} for t in rows])


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token (it fails at once)", responses=errors(401, 404, 422))
def revoke_token(token_id: Id, who: Caller, request: Request) -> Response:
    state = state_of(request)
    with state.store.write() as session:
        row = session.get(Token, token_id)
        if row is None or (row.member_id != who.member_id and not who.is_admin):
            raise ServiceError(f"you have no token {token_id}", status=404, location="path")
        auth.revoke(session, token_id)
    state.tokens.forget(token_id)
    return Response(status_code=204)


@router.post("/members", status_code=201, summary="Add a member (admins only)", response_model=MemberInfo, responses=errors(400, 401, 403, 422))
def add_member(body: NewMember, who: Caller, request: Request) -> Response:
    if not who.is_admin:
        raise ServiceError("only an admin can add members", status=403, location="auth")
    with state_of(request).store.write() as session:
        try:
            member = auth.create_member(session, body.name, body.password, body.admin)
        except ValueError as exc:
            raise ServiceError(str(exc), parameter="name") from exc
        return JSONBytes({"id": member.id, "name": member.name, "admin": member.is_admin}, status_code=201)


@router.get("/members/me", summary="Who the token belongs to", response_model=MemberInfo, responses=MEMBER)
def me(who: Caller) -> Response:
    return JSONBytes({"id": who.member_id, "name": who.name, "admin": who.is_admin})


@router.put("/members/me/password", status_code=204, summary="Change your password", responses=errors(400, 401, 403, 422))
def change_password(body: PasswordChange, who: Caller, request: Request) -> Response:
    with state_of(request).store.write() as session:
        member = session.get(Member, who.member_id)
        if member is None or not auth.check_password(member.password_hash, body.old_password):
            raise ServiceError("the old password is wrong", status=403, parameter="old_password")
        member.password_hash = auth.hash_password(body.new_password)
    return Response(status_code=204)
