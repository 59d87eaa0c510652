"""PDF workers: only the app's own files may be read; merging pads for duplex."""

import pytest

from meeting import pdf


@pytest.fixture(scope="module")
def renderer():
    return pdf.Renderer()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://cdn.example.com/font.woff",
        "file:///etc/passwd",
        "ftp://x/y",
        # percent-encoded ".." must not climb out of reports/
        "file://" + (pdf.REPORTS / "%2e%2e" / "meeting" / "db.py").as_posix(),
        "file://" + (pdf.REPORTS / "..%2f..%2f..%2fetc%2fpasswd").as_posix(),
    ],
)
def test_fetcher_refuses_anything_outside_the_app(renderer, url):
    with pytest.raises(ValueError, match="blocked"):
        renderer.fetcher.fetch(url)


def test_fetcher_reads_the_apps_own_files_and_data_uris(renderer):
    css = (pdf.REPORTS / "letter.css").resolve().as_uri()
    assert b"@page" in renderer.fetcher.fetch(css).read()
    assert renderer.fetcher.fetch("data:text/plain;base64,5pWw").read() == "数".encode()


def test_page_counter_makes_a_css_content_value():
    assert (
        str(pdf.page_counter("第 {page} 页 共 {pages} 页"))
        == '"第 " counter(page) " 页 共 " counter(pages) " 页"'
    )
    assert (
        str(pdf.page_counter('x"y{page}')) == '"xy" counter(page)'
    )  # a quote cannot end the string


def test_merge_pads_letters_with_an_odd_page_count(tmp_path):
    pool = pdf.RenderPool(1)
    try:
        one = pool.render(
            "join.html",
            {"title": "一", "organ": "o", "join_url": "http://x/j", "stylesheets": ["slips.css"]},
            out=str(tmp_path / "a.pdf"),
        )
        assert one.pages == 1
        merged = pool.merge([str(tmp_path / "a.pdf")] * 3, str(tmp_path / "all.pdf"), pad_odd=True)
        assert merged.pages == 6
        plain = pool.merge([str(tmp_path / "a.pdf")] * 3, str(tmp_path / "plain.pdf"))
        assert plain.pages == 3
        with pytest.raises(pdf.RenderError):
            pool.render("no-such-template.html", {})
        assert pool.render(
            "join.html", {"title": "二", "organ": "", "join_url": "x", "stylesheets": ["slips.css"]}
        ).pdf.startswith(b"%PDF-")
    finally:
        pool.close()
