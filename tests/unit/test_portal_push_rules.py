"""What counts as the portal's "already exists", where the update goes, and the push's
options checked when it is set up."""
from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.integration.webhooks import already_exists
from engine.services.webhooks.push import check_options, update_url


def test_already_exists_by_status_or_by_a_body_code() -> None:
    assert already_exists(409, "whatever", [409], None)
    assert not already_exists(200, '{"code": "OK"}', [409], "EXISTS")
    assert already_exists(200, '{"status": "error", "code": "EXISTS"}', [], "EXISTS")
    assert not already_exists(200, '{"detail": {"code": "EXISTS"}}', [], "EXISTS")  # top only
    assert not already_exists(200, "EXISTS, not JSON", [], "EXISTS")
    assert not already_exists(None, None, [409], "EXISTS")


def test_the_update_url_keeps_the_query() -> None:
    assert update_url("https://p.gov.vn/hs", {"update_query": None}) == "https://p.gov.vn/hs"
    assert update_url("https://p.gov.vn/hs?k=1", {"update_query": "action=update"}) == \
        "https://p.gov.vn/hs?k=1&action=update"


def test_options_have_defaults_and_belong_to_a_push() -> None:
    assert check_options("sync-packet", None) == {
        "exists_status": [409], "exists_code": None, "update_method": "PUT",
        "update_query": None}
    assert check_options("event", None) is None
    for fmt, given, field in [("event", {"update_method": "PUT"}, "on_exists"),
                              ("sync-packet", {"update_method": "GET"},
                               "on_exists.update_method"),
                              ("sync-packet", {"exists_status": [42]},
                               "on_exists.exists_status"),
                              ("sync-packet", {"retry": 1}, "on_exists"),
                              ("xml", None, "format")]:
        with pytest.raises(InvalidInput) as caught:
            check_options(fmt, given)
        assert caught.value.errors[0]["field"] == field
