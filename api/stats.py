"""The published figures and the Decision 766 indicators, for anyone, without a token:
counts only, never a dossier or an applicant."""
from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.public import NO_TOKEN
from api.schemas import Problem
from engine.deadlines.rules import CHANNELS, LEVELS
from engine.services.public import figures
from engine.stats import exports

blp = Blueprint("stats", __name__, url_prefix="/api/v1",
                description="The public figures: received, finished early / on time / late, "
                            "pending, ratings, and the Decision 766 indicators")


class PeriodQuery(Schema):
    province = fields.String(required=True, validate=validate.Length(1, 50))
    start = fields.Date(data_key="from", metadata={
        "description": "the first day (YYYY-MM-DD, Vietnam's time); default 1 January of `to`"})
    end = fields.Date(data_key="to", metadata={
        "description": "the last day, included; default today"})


class StatsQuery(PeriodQuery):
    procedure = fields.String(validate=validate.Length(1, 100))
    unit = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "the receiving unit"})
    level = fields.String(validate=validate.OneOf(LEVELS))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    group_by = fields.String(validate=validate.OneOf(figures.GROUPS))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


class StatsOut(Schema):
    province = fields.String()
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    filters = fields.Dict()
    group_by = fields.String(allow_none=True)
    total = fields.Dict(metadata={"description": "the figures of the whole scope"})
    groups = fields.List(fields.Dict())


class IndicatorsOut(Schema):
    province = fields.String()
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    groups = fields.List(fields.Dict())
    computed_points = fields.Float(allow_none=True, metadata={
        "description": "the points of the groups that had something to score"})
    points_of = fields.Integer(metadata={
        "description": "the most those groups could score (groups with nothing to score in "
                       "the period, e.g. no payment, have no rate)"})
    computable_max_points = fields.Integer()


class ChoicesQuery(Schema):
    province = fields.String(required=True, validate=validate.Length(1, 50))


class ChoiceOut(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)


class ProcedureChoiceOut(ChoiceOut):
    level = fields.String(allow_none=True)


class ChoicesOut(Schema):
    province = fields.String()
    units = fields.List(fields.Nested(ChoiceOut))
    procedures = fields.List(fields.Nested(ProcedureChoiceOut))


@blp.route("/stats")
class Stats(MethodView):
    @blp.doc(security=NO_TOKEN)
    @blp.arguments(StatsQuery(), location="query")
    @blp.response(200, StatsOut)
    @blp.alt_response(422, schema=Problem)
    def get(self, query: dict[str, Any]) -> Any:
        """A province's figures for a period: received (new, carried over, online share),
        finished early / on time / late (more than one supplement request counts late),
        refused, withdrawn, stopped, pending at the period's end, the dossiers open now by
        timeliness, the average processing time in working time without supplement time,
        the ratings, digitisation (papers and results kept as files), payments (online
        share) and the dossiers published to the national portal; by procedure, unit, channel or month; as JSON, CSV or XLSX."""
        kind = query.pop("format")
        report = figures.published(current_app.extensions["motcua"], **query)
        if kind == "json":
            report = {**report, "start": report.pop("from"), "end": report.pop("to")}
            return report
        province = re.sub(r"[^A-Za-z0-9._-]", "_", query["province"])  # a safe header
        name = f"so-lieu-{province}-{report['from']}-{report['to']}.{kind}"
        body = exports.as_csv(report) if kind == "csv" else exports.as_xlsx(report)
        mimetype = "text/csv" if kind == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/stats/indicators")
class Indicators(MethodView):
    @blp.doc(security=NO_TOKEN)
    @blp.arguments(PeriodQuery(), location="query")
    @blp.response(200, IndicatorsOut)
    @blp.alt_response(422, schema=Problem)
    def get(self, query: dict[str, Any]) -> Any:
        """The six Decision 766 indicator groups with their rates and points, each with the
        figures it is computed from and what part of it the platform's data cannot show
        (docs/indicators.md gives the formulas)."""
        found = figures.indicators_of(current_app.extensions["motcua"], **query)
        return {**found, "start": found.pop("from"), "end": found.pop("to")}


@blp.route("/stats/choices")
class Choices(MethodView):
    @blp.doc(security=NO_TOKEN)
    @blp.arguments(ChoicesQuery(), location="query")
    @blp.response(200, ChoicesOut)
    @blp.alt_response(422, schema=Problem)
    def get(self, query: dict[str, Any]) -> Any:
        """What a province's figures may be narrowed to, by name: its registered units (the
        `unit` of /stats) and its procedures (`procedure`); names only, no figure."""
        return figures.choices(current_app.extensions["motcua"], query["province"])
