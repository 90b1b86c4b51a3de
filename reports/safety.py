"""The only way a report may load a resource: a WeasyPrint URL fetcher that serves `data:` URIs
and files inside reports/static/, and refuses everything else (file://, http(s)://, ftp://...)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"


class RefusedURL(ValueError):
    """A report tried to load something other than a data: URI or one of its static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `data:` URIs and reports/static/ files; records and refuses every other URL.

    Refusals are not fatal to the render (WeasyPrint drops the resource and logs a warning);
    `refused` lists them so callers and tests can see what was attempted.
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.static_dir = static_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            path = Path(url2pathname(parts.path)).resolve()
            local = parts.netloc in ("", "localhost")
            if local and path.is_relative_to(self.static_dir) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        raise RefusedURL(f"report rendering refuses to fetch {url[:200]!r}")
