"""The pure rules of webhooks: Standard Webhooks signatures, event masks, backoff, which
receivers are refused, and a send pinned to the address that was checked."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest

from engine.integration import transport
from engine.integration.receivers import ReceiverRefused, check_url, parse_networks
from engine.integration.webhooks import (
    EVENT_TYPES,
    headers,
    mask_of,
    new_secret,
    retry_delay,
    sign,
    types_of,
    verify,
)
from tests.webhook_receiver import Receiver


def test_the_standard_webhooks_test_vector() -> None:
    # From the Standard Webhooks reference libraries' tests.
    assert sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330, b'{"test": 2432232314}') \
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_two_secrets_two_signatures_each_verifies() -> None:
    old, new = new_secret(), new_secret()
    h = headers([new, old], "msg_1", 1700000000, b"{}")
    assert len(h["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert verify(secret, "msg_1", "1700000000", b"{}", h["webhook-signature"])
    assert not verify(new_secret(), "msg_1", "1700000000", b"{}", h["webhook-signature"])
    assert not verify(new, "msg_1", "1700000001", b"{}", h["webhook-signature"])


def test_event_masks_round_trip() -> None:
    assert types_of(mask_of(EVENT_TYPES)) == list(EVENT_TYPES)
    assert types_of(mask_of(["dossier.overdue"])) == ["dossier.overdue"]


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(1)
    for attempts, ceiling in ((1, 5), (2, 10), (3, 20), (20, 3600)):
        for _ in range(50):
            d = retry_delay(attempts, 5.0, 3600.0, rng)
            assert timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling)


def resolver(*answers: list[str]):  # type: ignore[no-untyped-def]
    calls = iter(answers)
    return lambda host, port: next(calls)


def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    rebinding = resolver(["93.184.215.14"], ["10.0.0.5"])
    assert [str(a) for a in check_url("https://hook.example/x", allow_http=False, allowed=(),
                                      resolve=rebinding)] == ["93.184.215.14"]
    with pytest.raises(ReceiverRefused) as refused:  # the same name, a moment later
        check_url("https://hook.example/x", allow_http=False, allowed=(), resolve=rebinding)
    assert refused.value.errors == [{"field": "url", "message": refused.value.errors[0][
        "message"]}] and "10.0.0.5" in refused.value.message
    mixed = resolver(["93.184.215.14", "127.0.0.1"])
    with pytest.raises(ReceiverRefused):
        check_url("https://hook.example/x", allow_http=False, allowed=(), resolve=mixed)


def test_allowed_networks() -> None:
    allowed = parse_networks("10.20.0.0/16, 127.0.0.0/8")
    check_url("https://hook.example/x", allow_http=False, allowed=allowed,
              resolve=resolver(["10.20.3.4"]))
    with pytest.raises(ReceiverRefused):
        check_url("https://hook.example/x", allow_http=False, allowed=allowed,
                  resolve=resolver(["10.21.3.4"]))
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")


def test_a_send_goes_to_the_checked_address() -> None:
    """The URL's host does not resolve at all (.invalid): the request still reaches the
    address it was pinned to, naming the host in its Host header."""
    receiver = Receiver().start()
    try:
        port = receiver.server.server_address[1]
        answer = transport.post(f"http://receiver.invalid:{port}/hook", b"{}",
                                headers([new_secret()], "msg_9", 1, b"{}"), 5.0,
                                address="127.0.0.1")
        assert answer.status_code == 200 and answer.excerpt == "answered 200"
        assert [r.webhook_id for r in receiver.requests] == ["msg_9"]
        unpinned = transport.post(f"http://receiver.invalid:{port}/hook", b"{}", {}, 5.0)
        assert unpinned.status_code is None and unpinned.error
    finally:
        receiver.stop()
