"""meeting.wsgi's server pieces: same bytes as the code they replace, Nagle off."""

import random
import socket
import warnings

import pytest

from meeting.wsgi import listen, unmask


@pytest.fixture(scope="module")
def eventlet_apply_mask():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet announces its maintenance mode on import
        from eventlet.websocket import RFC6455WebSocket
    original = RFC6455WebSocket.__dict__["_apply_mask"].__func__
    if original is unmask:  # pragma: no cover - only if a server ran in this process
        pytest.skip("eventlet is already patched in this process")
    return original


def test_unmask_matches_eventlet_for_every_offset_and_length(eventlet_apply_mask):
    rng = random.Random(6455)
    for _ in range(200):
        data = rng.randbytes(rng.choice([0, 1, 2, 3, 5, 125, 126, 4096]))
        mask = tuple(rng.randrange(256) for _ in range(4))
        offset = rng.randrange(0, 9)
        length = rng.choice([None, len(data), len(data) // 2])
        assert unmask(data, mask, length=length, offset=offset) == eventlet_apply_mask(
            data, mask, length=length, offset=offset
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
