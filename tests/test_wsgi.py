"""meeting.wsgi's server pieces: unmasking as RFC 6455 says, Nagle off on every connection."""

import random
import socket

from meeting.wsgi import listen, unmask


def rfc6455_unmask(data: bytes, mask: tuple, length: int | None, offset: int) -> bytes:
    """RFC 6455 5.3, byte by byte: octet i of the payload XOR key octet (i mod 4)."""
    view = data if length is None else data[:length]
    return bytes(b ^ mask[(offset + i) % 4] for i, b in enumerate(view))


def test_unmask_matches_the_rfc_for_every_offset_and_length():
    rng = random.Random(6455)
    for _ in range(200):
        data = rng.randbytes(rng.choice([0, 1, 2, 3, 5, 125, 126, 4096]))
        mask = tuple(rng.randrange(256) for _ in range(4))
        offset = rng.randrange(0, 9)
        length = rng.choice([None, len(data), len(data) // 2])
        assert unmask(data, mask, length=length, offset=offset) == rfc6455_unmask(
            data, mask, length, offset
        )


def test_unmask_undoes_a_client_mask():
    text = "评议票：好".encode() * 50
    mask = (0x37, 0xFA, 0x21, 0x3D)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(text))
    # a frame read in two pieces: the second starts at an offset inside the key
    assert unmask(masked[:7], mask) + unmask(masked[7:], mask, offset=7) == text


def test_connections_to_the_listener_have_nagle_off():
    # a small frame right after another must not wait for the phone's delayed ACK
    with listen("127.0.0.1", 0) as server, socket.create_connection(server.getsockname()[:2]):
        accepted, _ = server.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
