"""The supervisors' web page: a single-page app of plain HTML, ES modules and CSS
(static/), served by the API itself, so it shares the API's origin and its login cookie."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

# Nothing but our own origin: no CDN, no inline script, so a hostile caller ID shown on the
# page can never run as code even if some text slipped into markup.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


class _Revalidated(StaticFiles):
    """Static files the browser revalidates (ETag) on every load, so that an upgraded
    hotline never runs yesterday's modules next to today's."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_web(app: FastAPI) -> None:
    """`/` is the page, `/static/...` its files."""
    app.mount("/static", _Revalidated(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={
            "Content-Security-Policy": CSP, "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})
