"""QR codes as inline SVG (for pages and PDFs alike); no models here."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_svg(data: str, border: int = 2) -> str:
    """An SVG document (text) of the QR code for ``data``, error correction M."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=border,
        image_factory=SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue().decode()


def qr_data_uri(data: str, border: int = 2) -> str:
    """The QR code as a data: URI, embeddable in <img> for browsers and WeasyPrint."""
    svg = qr_svg(data, border).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def qr_png_data_uri(data: str, border: int = 2) -> str:
    """The QR code as a PNG data: URI: WeasyPrint lays out a page of these about four
    times faster than the same codes as SVG."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=border
    )
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(
        buffer, format="PNG", optimize=True
    )
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
