"""The National Public Service Portal's view of a dossier: its sync packet."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import caller
from api.schemas import SyncPacketOut
from engine.services.flow.sync_packet import sync_packet

blp = Blueprint("portal", __name__, url_prefix="/api/v1/dossiers",
                description="The national public service portal's packet of a dossier")


@blp.route("/<code>/sync-packet")
class SyncPacket(MethodView):
    @blp.response(200, SyncPacketOut)
    def get(self, code: str) -> Any:
        """The packet the national portal takes (DOMAIN.md §6): header with the status code
        the procedure's status_mapping gives, documents, fees, supplement requests and
        progress entries; dates as yyyyMMddHHmmss in Vietnam's time."""
        return sync_packet(current_app.extensions["motcua"], caller(), code)
