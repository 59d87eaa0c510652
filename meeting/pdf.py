"""PDF rendering in worker processes, so layout never runs on the live server's loop.

``RenderPool`` keeps up to ``RENDER_WORKERS`` long-lived ``python -m meeting.pdf``
processes. Each worker holds one FontConfiguration, one Jinja environment and the parsed
stylesheets for its whole life, reads JSON requests from stdin and answers on stdout.
Templates and print CSS live in ``reports/`` and receive plain data only (no models).
WeasyPrint may only read the app's own files (``reports/``, ``static/``) and data: URIs.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from markupsafe import Markup

from . import workers

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
STATIC = ROOT / "static"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ALLOWED_ROOTS = (REPORTS.resolve(), STATIC.resolve())


class RenderError(RuntimeError):
    pass


@dataclass
class Rendered:
    pages: int
    size: int
    pdf: bytes | None = None  # the bytes, when no output path was given
    path: str | None = None


# --------------------------------------------------------------------------- worker side


def _local_fetcher() -> Any:
    from weasyprint.urls import URLFetcher  # worker side only: WeasyPrint stays out of the server

    class LocalFetcher(URLFetcher):
        """Reads data: URIs and files under reports/ or static/; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                # decode first (%2e%2e is ".."), check the resolved path, then fetch that
                # canonical path, so what is read is exactly what was checked
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in ALLOWED_ROOTS):
                    return super().fetch(path.as_uri(), headers)
            raise ValueError(f"blocked: {url[:80]}")

    return LocalFetcher(allowed_protocols={"file", "data"})


class Renderer:
    """One per worker process: fonts, templates and stylesheets are loaded once."""

    def __init__(self, locale: str = "zh_CN") -> None:
        # worker side only: the live server never loads WeasyPrint, Jinja's or Babel's parts
        from babel.support import Translations
        from jinja2 import Environment, FileSystemLoader, select_autoescape
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.fetcher = _local_fetcher()
        self.env = Environment(
            loader=FileSystemLoader(str(REPORTS)),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        from babel import Locale  # worker side only (as above)

        translations = Translations.load(str(TRANSLATIONS), [Locale.parse(locale)], "messages")
        # added to the environment by the i18n extension, unknown to its type stubs
        self.env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        from .qr import qr_png_data_uri  # worker side only: qrcode and Pillow

        self.env.filters["qr"] = qr_png_data_uri
        self.env.filters["page_counter"] = page_counter
        self.env.filters["css_string"] = css_string
        self._css: dict[str, Any] = {}
        self._css_class = CSS

    def stylesheet(self, name: str) -> Any:
        if name not in self._css:
            self._css[name] = self._css_class(
                filename=str(REPORTS / name),
                font_config=self.font_config,
                url_fetcher=self.fetcher,
            )
        return self._css[name]

    def document(self, template: str, context: dict[str, Any]) -> Any:
        from weasyprint import HTML  # worker side only

        html = self.env.get_template(template).render(**context)
        stylesheets = [self.stylesheet(name) for name in context.get("stylesheets", ["print.css"])]
        return HTML(string=html, base_url=str(REPORTS) + "/", url_fetcher=self.fetcher).render(
            stylesheets=stylesheets, font_config=self.font_config
        )

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("cmd")
        if command == "render":
            document = self.document(request["template"], request["context"])
            pdf = document.write_pdf()
            return self._result(pdf, len(document.pages), request["out"])
        if command == "merge":
            from pypdf import PdfReader, PdfWriter  # worker side only

            writer = PdfWriter()
            for path in request["inputs"]:
                reader = PdfReader(path)
                writer.append(reader)
                if request.get("pad_odd") and len(reader.pages) % 2:
                    box = reader.pages[-1].mediabox
                    writer.add_blank_page(width=box.width, height=box.height)
            out = request["out"]
            with open(out + ".part", "wb") as handle:
                writer.write(handle)
            os.replace(out + ".part", out)
            return {
                "ok": True,
                "pages": len(writer.pages),
                "size": os.path.getsize(out),
                "path": out,
            }
        raise RenderError(f"unknown command {command!r}")

    @staticmethod
    def _result(pdf: bytes, pages: int, out: str) -> dict[str, Any]:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        with open(out + ".part", "wb") as handle:
            handle.write(pdf)
        os.replace(out + ".part", out)
        return {"ok": True, "pages": pages, "size": len(pdf), "path": out}


def css_string(text: str) -> Any:
    """A text for inside a CSS string in a <style> block (quotes, backslashes, line breaks
    and "<" removed; marked safe, since HTML escaping would break the CSS)."""

    return Markup(re.sub(r'[\\"<\r\n]', "", str(text)))


def page_counter(text: str) -> Any:
    """'第 {page} 页 / 共 {pages} 页' -> a CSS content value with the page counters.

    Marked safe for Jinja: quotes and backslashes of the text are removed here, and the
    value goes into a <style> block, where HTML escaping would break it.
    """

    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", text):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append('"' + piece.replace("\\", "").replace('"', "").replace("<", "") + '"')
    return Markup(" ".join(parts))


def serve() -> None:
    """The worker process: one Renderer for its whole life (fonts loaded once)."""
    renderer = Renderer(os.environ.get("RENDER_LOCALE", "zh_CN"))
    workers.serve(renderer.handle)


# --------------------------------------------------------------------------- server side


class RenderPool:
    """The PDF workers (``python -m meeting.pdf``); callers wait cooperatively for one."""

    def __init__(self, size: int = 2) -> None:
        self.workers = workers.WorkerPool("meeting.pdf", size)
        self.size = self.workers.size
        self._tmp: str | None = None

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.workers.call(request)
        except workers.WorkerError as exc:
            raise RenderError(str(exc)) from exc

    def render(self, template: str, context: dict[str, Any], out: str | None = None) -> Rendered:
        """Render a report template with plain data to PDF bytes (or to the file ``out``).

        The PDF always travels through a file: reading a large answer from a pipe is slow
        on eventlet (about 10 ms per kB), reading a file is not.
        """
        target = out or os.path.join(self._scratch(), f"{secrets.token_hex(8)}.pdf")
        answer = self._call(
            {"cmd": "render", "template": template, "context": context, "out": target}
        )
        pdf = None
        if out is None:
            with open(target, "rb") as handle:
                pdf = handle.read()
            os.unlink(target)
        return Rendered(pages=answer["pages"], size=answer["size"], pdf=pdf, path=out)

    def _scratch(self) -> str:
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="sanshu-pdf-")
        return self._tmp

    def merge(self, inputs: list[str], out: str, pad_odd: bool = False) -> Rendered:
        """Concatenate PDF files into one (each input keeps its own page numbering).

        ``pad_odd`` adds a blank page after an input with an odd page count, so that in
        duplex printing every input starts on a new sheet.
        """
        answer = self._call({"cmd": "merge", "inputs": inputs, "out": out, "pad_odd": pad_odd})
        return Rendered(pages=answer["pages"], size=answer["size"], path=answer["path"])

    def warm(self) -> None:
        """Start every worker now (fonts loaded), so the first preview is quick."""
        try:
            self.workers.warm()
        except workers.WorkerError as exc:
            raise RenderError(str(exc)) from exc

    def close(self) -> None:
        self.workers.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


def pool(size: int | None = None) -> RenderPool:
    """The process-wide render pool (created on first use, stopped at exit)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = RenderPool(size or int(os.environ.get("RENDER_WORKERS", "2")))
            atexit.register(_pool.close)
        return _pool


if __name__ == "__main__":
    serve()
