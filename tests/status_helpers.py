"""The status check in tests: its form posted as a browser or htmx would."""

from __future__ import annotations

from typing import Any


def post(
    client: Any,
    kk: str,
    nik: str,
    *,
    lang: str = "en",
    htmx: bool = False,
    addr: str = "10.0.0.1",
    **data: str,
) -> Any:
    """POST the status check's form (CSRF off in the test app), as a browser or as htmx."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/cek?lang={lang}",
        data={"kk": kk, "nik": nik, **data},
        headers=headers,
        environ_base={"REMOTE_ADDR": addr},
    )
