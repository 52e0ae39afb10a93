"""The API documentation page works without the internet: Swagger UI's files come from the
npm package installed at set-up, served by the app itself."""
from __future__ import annotations

import re
from typing import Any

from api.assets import SWAGGER_UI


def test_the_docs_page_loads_only_what_the_app_serves(world: Any) -> None:
    assert SWAGGER_UI.is_dir(), "web assets missing: `make install` installs them"
    page = world.client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        r = world.client.get(source)
        assert r.status_code == 200, source
        assert len(r.data) > 1000, source
    assert world.client.get("/api/v1/docs/assets/../../../pyproject.toml").status_code == 404
