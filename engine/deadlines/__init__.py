"""The statutory clock: procedure rule sets, due instants, pauses and timeliness."""
from engine.deadlines.limits import UNITS, Limit, add_limit, parse_budget
from engine.deadlines.rules import Procedure, RuleSet
from engine.deadlines.timeliness import classify_finished, classify_open

__all__ = ["UNITS", "Limit", "Procedure", "RuleSet", "add_limit", "classify_finished",
           "classify_open", "parse_budget"]
