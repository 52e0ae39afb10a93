"""A client's own dossiers: those it started or was granted. Another client's dossier does
not exist for it (404, as any code it cannot see), in reads, lists and messages; the client
that started a dossier (or an administrator) grants it to another client and withdraws it;
`mine=true` lists the caller's own."""
from __future__ import annotations

from typing import Any

from engine.store.models import Principal
from tests.api.helpers import assert_problem, history, started
from tests.conftest import World


def _get(w: World, path: str, who: str) -> Any:
    return w.client.get(f"/api/v1{path}", headers=w.headers(who))


def _listed(w: World, who: str, query: str = "") -> set[str]:
    r = _get(w, f"/dossiers?limit=200{query}", who)
    assert r.status_code == 200, r.get_json()
    return {d["code"] for d in r.get_json()["items"]}


def _grant(w: World, code: str, client: int, who: str = "client") -> Any:
    return w.client.post(f"/api/v1/dossiers/{code}/grants", json={"client": client},
                         headers=w.headers(who))


def _id(w: World, name: str) -> int:
    with w.ctx.uow(readonly=True) as uow:
        return next(p.id for p in uow.repo.principals(w.province) if p.name == name)


def _message(w: World, code: str, who: str, message_id: str) -> Any:
    return w.client.post(f"/api/v1/dossiers/{code}/messages/paid",
                         json={"payload": {}, "message_id": message_id},
                         headers=w.headers(who))


def _b_may_not(w: World, code: str) -> None:
    for path in (f"/dossiers/{code}", f"/dossiers/{code}/history",
                 f"/dossiers/{code}/documents", f"/dossiers/{code}/control-sheet"):
        assert_problem(_get(w, path, "client_b"), 404, "not-found")
    assert code not in _listed(w, "client_b")
    assert code not in _listed(w, "client_b", "&mine=true")
    assert_problem(_message(w, code, "client_b", "b-1"), 404, "not-found")
    r = w.client.post(f"/api/v1/dossiers/{code}/withdraw", json={"reason": "B"},
                      headers=w.headers("client_b"))
    assert_problem(r, 404, "not-found")


def test_a_client_sees_only_its_own_and_granted_dossiers(two_steps: World) -> None:
    w = two_steps
    w.principal("client_b", "client", unit=w.unit)
    w.principal("client_c", "client", unit=w.unit)
    b = _id(w, "client_b")
    code = started(w)["code"]
    own_b = started(w, who="client_b")["code"]
    _b_may_not(w, code)
    assert own_b in _listed(w, "client_b") and own_b not in _listed(w, "client")
    # A client that was not granted a dossier cannot grant it, nor learn it exists.
    assert_problem(_grant(w, code, b, "client_b"), 404, "not-found")

    r = _grant(w, code, b)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["client"] == b and r.get_json()["client_name"] == "client_b"
    assert _grant(w, code, b).status_code == 200  # granted already: nothing changes
    assert _get(w, f"/dossiers/{code}", "client_b").status_code == 200
    assert _get(w, f"/dossiers/{code}/documents", "client_b").status_code == 200
    assert code in _listed(w, "client_b") and code in _listed(w, "client_b", "&mine=true")
    assert _message(w, code, "client_b", "b-2").status_code == 422  # no element catches it
    # Granted, not the owner: it may not pass the dossier on, nor read the grants.
    c = _id(w, "client_c")
    assert_problem(_grant(w, code, c, "client_b"), 403, "forbidden")
    assert_problem(_get(w, f"/dossiers/{code}/grants", "client_b"), 403, "forbidden")
    grants = _get(w, f"/dossiers/{code}/grants", "auditor").get_json()["grants"]
    assert [g["client"] for g in grants] == [b]

    r = w.client.delete(f"/api/v1/dossiers/{code}/grants/{b}", headers=w.headers("client"))
    assert r.status_code == 204
    _b_may_not(w, code)
    kinds = [e["kind"] for e in history(w, code)]
    assert kinds.count("access.granted") == 1 and kinds.count("access.revoked") == 1

    # An administrator grants any dossier of the province, to a client only.
    assert _grant(w, code, c, "admin").status_code == 201
    assert _get(w, f"/dossiers/{code}", "client_c").status_code == 200
    for who in ("officer", "admin"):
        body = assert_problem(_grant(w, code, _id(w, who)), 422, "invalid-input")
        assert body["errors"][0]["field"] == "client"
    body = assert_problem(_grant(w, code, _id(w, "client")), 422, "invalid-input")
    assert body["errors"][0]["field"] == "client"  # it started the dossier
    for nobody in (10**12, 2**31, 0, -5):
        assert_problem(_grant(w, code, nobody), 422, "invalid-input")
        r = w.client.delete(f"/api/v1/dossiers/{code}/grants/{nobody}",
                            headers=w.headers("client"))
        assert r.status_code in (204, 404), r.get_data()  # 404: not a route (negative)


def test_a_disabled_client_or_another_provinces_is_not_granted(two_steps: World) -> None:
    w = two_steps
    from engine.services.org.auth import create_principal

    other, _ = create_principal(w.ctx, name="elsewhere", role="client", province="Q-other")
    w.principal("gone", "client", unit=w.unit)
    with w.ctx.uow() as uow:
        gone = uow.session.get(Principal, _id(w, "gone"))
        assert gone is not None
        gone.disabled_at = w.ctx.clock.now()
        uow.commit()
    code = started(w)["code"]
    for client in (other.id, _id(w, "gone")):
        assert_problem(_grant(w, code, client), 422, "invalid-input")


def test_mine_lists_what_the_caller_started(two_steps: World) -> None:
    w = two_steps
    w.principal("desk2", "officer", unit=w.unit, position="officer")
    by_client = started(w)["code"]
    at_desk = started(w, who="officer")["code"]
    other_desk = started(w, who="desk2")["code"]
    assert {by_client, at_desk, other_desk} <= _listed(w, "officer")
    assert _listed(w, "officer", "&mine=true") == {at_desk}
    assert _listed(w, "client", "&mine=true") == _listed(w, "client") == {by_client}
    assert _listed(w, "auditor", "&mine=true") == set()
    assert_problem(_get(w, "/dossiers?mine=maybe", "client"), 422, "invalid-input")
