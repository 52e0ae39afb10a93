"""Integration clients (and administrators) subscribe to signed webhooks and read what was
sent (Standard Webhooks headers; see engine/integration/webhooks.py)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import caller
from api.schemas import MAX_OFFSET, Problem
from engine.errors import NotFound
from engine.integration.receivers import MAX_URL
from engine.integration.webhooks import EVENT_TYPES, FORMATS, UPDATE_METHODS
from engine.services.webhooks import deliveries, subscriptions

blp = Blueprint("subscriptions", __name__, url_prefix="/api/v1/subscriptions",
                description="Webhooks: subscriptions, secrets and the delivery log")


class OnExists(Schema):
    exists_status = fields.List(fields.Integer(validate=validate.Range(100, 599)),
                                validate=validate.Length(max=10), metadata={
                                    "description": "answers meaning already exists ([409])"})
    exists_code = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "or a JSON answer with this value at its top level"})
    update_method = fields.String(validate=validate.OneOf(UPDATE_METHODS), metadata={
        "description": "the update's method (PUT)"})
    update_query = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "added to the URL's query for the update, e.g. action=update"})


class SubscriptionIn(Schema):
    url = fields.String(required=True, validate=validate.Length(1, MAX_URL), metadata={
        "description": "https receiver; its host must resolve to public addresses"})
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)),
                              validate=validate.Length(1, len(EVENT_TYPES)), metadata={
                                  "description": "required, but for a sync-packet push "
                                                 "(dossier.portal_status_changed)"})
    format = fields.String(load_default="event", validate=validate.OneOf(FORMATS), metadata={
        "description": "event (the default) or sync-packet: the push to the national portal "
                       "(admins; every dossier of the province unless a procedure or "
                       "process is named), each delivery the dossier's sync packet"})
    on_exists = fields.Nested(OnExists, metadata={
        "description": "sync-packet only: how the portal says it has the dossier already, "
                       "and how the packet is then sent again as an update"})
    procedure_code = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "follow every dossier of this procedure (admins; clients with the "
                       "position `integration`); neither: the client's own dossiers"})
    process_key = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "follow every dossier of this process (as procedure_code)"})


class SubscriptionOut(Schema):
    id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    scope = fields.String(metadata={"description": "own, procedure, process or province"})
    procedure_code = fields.String(allow_none=True)
    process_key = fields.String(allow_none=True)
    created_at = fields.DateTime()
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "until then the secret before the last rotation signs too"})
    active = fields.Boolean()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    format = fields.String()
    on_exists = fields.Dict(allow_none=True)


class SubscriptionWithSecret(SubscriptionOut):
    secret = fields.String(metadata={"description": "whsec_…: shown this once"})


class AttemptOut(Schema):
    number = fields.Integer()
    at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    response_excerpt = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliveryOut(Schema):
    id = fields.Integer()
    webhook_id = fields.String()
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or dead"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    payload = fields.Dict()
    attempts = fields.List(fields.Nested(AttemptOut))


class DeliveryQuery(Schema):
    status = fields.String(validate=validate.OneOf(deliveries.STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class DeliveryPage(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(DeliveryOut))


def _id(text: str) -> int:
    """A path id: an object that cannot exist is not found (not a database error)."""
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise NotFound("no such object")
    return int(text)


def _ctx() -> Any:
    return current_app.extensions["motcua"]


@blp.route("")
class Subscriptions(MethodView):
    @blp.response(200, SubscriptionOut(many=True))
    def get(self) -> Any:
        """Your subscriptions."""
        return [subscriptions.view(s) for s in subscriptions.list_subscriptions(_ctx(), caller())]

    @blp.arguments(SubscriptionIn())
    @blp.response(201, SubscriptionWithSecret)
    @blp.alt_response(422, schema=Problem, description="`url` refused (not https, or not a "
                      "public address), unknown event type or scope")
    def post(self, body: dict[str, Any]) -> Any:
        """Subscribe a receiver; its signing secret is in this answer only."""
        sub, secret = subscriptions.create_subscription(_ctx(), caller(), **body)
        return {**subscriptions.view(sub), "secret": secret}, 201


@blp.route("/<subscription_id>")
class SubscriptionResource(MethodView):
    @blp.response(200, SubscriptionOut)
    @blp.alt_response(404, schema=Problem)
    def get(self, subscription_id: str) -> Any:
        return subscriptions.view(subscriptions.get_subscription(_ctx(), caller(),
                                                                 _id(subscription_id)))

    @blp.response(204)
    @blp.alt_response(404, schema=Problem)
    def delete(self, subscription_id: str) -> Any:
        """Unsubscribe: nothing more is sent; pending deliveries are given up."""
        subscriptions.delete_subscription(_ctx(), caller(), _id(subscription_id))
        return None


@blp.route("/<subscription_id>/secret")
class Secret(MethodView):
    @blp.response(200, SubscriptionWithSecret)
    @blp.alt_response(404, schema=Problem)
    def post(self, subscription_id: str) -> Any:
        """Rotate the signing secret: the new one is in this answer only; the old one signs
        too (a second signature) until `previous_secret_until`."""
        sub, secret = subscriptions.rotate_secret(_ctx(), caller(), _id(subscription_id))
        return {**subscriptions.view(sub), "secret": secret}


@blp.route("/<subscription_id>/deliveries")
class Deliveries(MethodView):
    @blp.arguments(DeliveryQuery(), location="query")
    @blp.response(200, DeliveryPage)
    @blp.alt_response(404, schema=Problem)
    def get(self, query: dict[str, Any], subscription_id: str) -> Any:
        """The delivery log, newest first: each event, its status and its attempts."""
        items, total = deliveries.delivery_log(_ctx(), caller(), _id(subscription_id), **query)
        return {"total": total, "items": items}


@blp.route("/<subscription_id>/deliveries/<delivery_id>/redeliver")
class Redeliver(MethodView):
    @blp.response(202, DeliveryOut)
    @blp.alt_response(404, schema=Problem)
    @blp.alt_response(422, schema=Problem)
    def post(self, subscription_id: str, delivery_id: str) -> Any:
        """Send a delivery again, with the same webhook-id (receivers drop repeats)."""
        return deliveries.redeliver(_ctx(), caller(), _id(subscription_id), _id(delivery_id))
