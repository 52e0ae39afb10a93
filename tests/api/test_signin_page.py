"""The sign-in page of the demo lists its users by name, with the position and the unit they
work in as the province registered them, in the page's language where the data has none."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from tests.api.test_public_lookup import make_demo
from tests.conftest import World


@pytest.fixture
def demo(db_url: str) -> Iterator[World]:
    w, _ = make_demo(db_url)
    yield w
    w.ctx.db_engine.dispose()


def users(w: World, lang: str) -> dict[str, str]:
    """Each demo user's line on the sign-in page: token -> 'name | what'."""
    w.client.set_cookie("motcua_lang", lang)
    r = w.client.get("/signin")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    found = re.findall(r'data-demo="([^"]+)">([^<]+)</button>\s*<span class="muted">([^<]*)<',
                       page)
    return {token: f"{html.unescape(name)} | {html.unescape(what)}"
            for token, name, what in found}


def test_the_demo_users_are_named_with_their_position_and_unit(demo: World) -> None:
    vi = users(demo, "vi")
    assert vi["demo-reception"] == ("Cán bộ tiếp nhận Trung tâm tỉnh | Công chức tiếp nhận và "
                                    "trả kết quả · Trung tâm Phục vụ hành chính công tỉnh")
    assert vi["demo-dept-leader"].startswith("Giám đốc Sở Tư pháp | ")
    assert vi["demo-dept-leader"].endswith(" · Sở Tư pháp")
    assert vi["demo-designer"] == "Cán bộ thiết kế quy trình | Thiết kế quy trình"
    assert vi["demo-auditor"] == "Cán bộ thanh tra, kiểm tra | Thanh tra, kiểm tra"
    en = users(demo, "en")
    assert en["demo-designer"] == "Cán bộ thiết kế quy trình | Process design"
    assert "000.00.06.H56" not in "".join(vi.values())  # every unit of the demo is registered
