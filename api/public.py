"""What the public reaches without a token: an applicant's dossier lookup, the notices
addressed to them, and the rating of the service (which the portal or the desk may also
give on the applicant's behalf, with their token). Requests without a token are counted
per address (`MOTCUA_PUBLIC_LOOKUPS_PER_MINUTE`): past the limit, 429."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.auth_throttle import TooManyAttempts
from api.documents import file_response
from api.public_schemas import ProofQuery, PublicDossierOut, RatingIn, RatingOut
from api.schemas import Problem
from engine.services.public import lookup, ratings

blp = Blueprint("public", __name__, url_prefix="/api/v1",
                description="The public: dossier lookup by code and the applicant's proof, "
                            "the applicant's notices, the rating of the service")
NO_TOKEN: list[dict[str, list[str]]] = [{}]  # OpenAPI: these need no bearer token


def counted() -> None:
    """Count a request without a token against its address; 429 past the limit."""
    ctx = current_app.extensions["motcua"]
    limit = ctx.settings.public_lookups_per_minute
    if limit <= 0:
        return
    counter = current_app.extensions["motcua.public_lookups"]
    address = request.remote_addr or "-"
    count, retry = counter.failures(address)
    if count >= limit:
        raise TooManyAttempts(f"{count} lookups from your address within a minute; try again "
                              f"in {retry} s", retry)
    counter.add(address)


@blp.route("/public/dossiers/<code>")
class PublicDossier(MethodView):
    @blp.doc(security=NO_TOKEN)
    @blp.arguments(ProofQuery(), location="query")
    @blp.response(200, PublicDossierOut)
    @blp.alt_response(404, schema=Problem, description="no such dossier for this proof")
    @blp.alt_response(429, schema=Problem, description="too many lookups from your address")
    def get(self, query: dict[str, Any], code: str) -> Any:
        """Look up a dossier with its code and the applicant's identity number (or the
        lookup secret printed on the receipt): status in words, the portal status, the
        appointment, a pause and its reason, the notices addressed to the applicant."""
        counted()
        found = lookup.look_up(current_app.extensions["motcua"], code, **query)
        return lookup.present(found)


@blp.route("/public/dossiers/<code>/documents/<int:document_id>")
class PublicDocument(MethodView):
    @blp.doc(security=NO_TOKEN)
    @blp.arguments(ProofQuery(), location="query")
    @blp.response(200, content_type="application/pdf")
    @blp.alt_response(404, schema=Problem, description="no such notice for this proof")
    def get(self, query: dict[str, Any], code: str, document_id: int) -> Any:
        """A notice addressed to the applicant (receipt, guidance, supplement request,
        refusal, apology, withdrawal), for the same proof as the lookup."""
        counted()
        doc, content = lookup.applicant_document(current_app.extensions["motcua"], code,
                                                 document_id, **query)
        return file_response(doc, content)


@blp.route("/dossiers/<code>/rating")
class Rating(MethodView):
    @blp.doc(security=[{}, {"bearer": []}])
    @blp.arguments(RatingIn())
    @blp.response(201, RatingOut)
    @blp.alt_response(409, schema=Problem, description="already rated, or no result yet")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Rate the service, once per dossier after its result: the applicant with the proof
        of the lookup (no token), or the portal that started it or the receiving unit's
        desk on the applicant's behalf (with their token)."""
        ctx = current_app.extensions["motcua"]
        proof = body.get("id_number") or body.get("secret")
        # No token and no proof: a 401, as for any operation that needs a token.
        who = caller() if request.headers.get("Authorization") or not proof else None
        if who is None:
            counted()
        rating = ratings.rate(ctx, code, body, caller=who, id_number=body.get("id_number"),
                              secret=body.get("secret"))
        return {"code": code, "level": rating.level,
                "level_name": ratings.LEVELS[rating.level], "criteria": rating.criteria,
                "complaint": rating.complaint, "channel": rating.channel,
                "rated_at": rating.rated_at}
