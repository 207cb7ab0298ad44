"""The codec server the Web UI and the temporal CLI decode payloads with, over real HTTP."""

import base64
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from onboard.core.codec import ENCODING, compress
from onboard.core.codec_server import serving
from temporalio.api.common.v1 import Payload


def as_json(payload: Payload) -> dict:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def post(url: str, body: bytes, origin: str = "http://localhost:8233") -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


@pytest.fixture
def codec_url():
    with serving() as url:
        yield url


ORIGINAL = Payload(
    metadata={"encoding": b"json/plain"}, data=json.dumps({"items": ["x" * 40] * 200}).encode()
)


def test_decode_gives_the_original_payload_back(codec_url):
    packed = compress(ORIGINAL)
    assert packed.metadata["encoding"] == ENCODING
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"small":true}')
    status, headers, body = post(
        f"{codec_url}/decode", json.dumps({"payloads": [as_json(packed), as_json(plain)]}).encode()
    )
    assert status == 200
    assert body["payloads"] == [as_json(ORIGINAL), as_json(plain)], "a plain payload comes back as it went"
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:8233"


def test_encode_compresses_what_decode_reads(codec_url):
    status, _, body = post(f"{codec_url}/encode", json.dumps({"payloads": [as_json(ORIGINAL)]}).encode())
    assert status == 200 and base64.b64decode(body["payloads"][0]["metadata"]["encoding"]) == ENCODING
    status, _, back = post(f"{codec_url}/decode", json.dumps(body).encode())
    assert status == 200 and back["payloads"] == [as_json(ORIGINAL)]


def test_the_browsers_preflight_is_answered(codec_url):
    request = urllib.request.Request(
        f"{codec_url}/decode",
        method="OPTIONS",
        headers={"Origin": "http://127.0.0.1:8233", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8233"
        assert "X-Namespace" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/decode", b"{not json", 400, "cannot decode"),
        (
            "/decode",
            json.dumps(
                {
                    "payloads": [
                        {"metadata": {"encoding": base64.b64encode(ENCODING).decode()}, "data": "AAAA"}
                    ]
                }
            ).encode(),
            400,
            "does not decompress",
        ),
        ("/other", b"{}", 404, "POST /decode or /encode"),
    ],
    ids=["bad-json", "damaged-payload", "unknown-path"],
)
def test_bad_requests_get_a_clear_error(codec_url, path, body, status, message):
    got, _, answer = post(codec_url + path, body)
    assert got == status and message in answer["error"]


def onboard_command() -> list[str]:
    return [sys.executable, "-c", "from onboard.core.cli import main; main()"]


def test_onboard_codec_server_serves_until_stopped():
    process = subprocess.Popen(
        [*onboard_command(), "codec-server", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        line = process.stdout.readline().decode()
        assert line.startswith("codec server at http://127.0.0.1:"), line
        url = line.split()[3]
        status, _, body = post(
            f"{url}/decode", json.dumps({"payloads": [as_json(compress(ORIGINAL))]}).encode()
        )
        assert status == 200 and body["payloads"] == [as_json(ORIGINAL)]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read().decode() == "codec server stopped\n"


def test_a_port_in_use_is_a_clear_error():
    with serving() as url:
        port = url.rsplit(":", 1)[1]
        done = subprocess.run(
            [*onboard_command(), "codec-server", "--port", port], capture_output=True, text=True, timeout=30
        )
    assert done.returncode == 1
    assert (
        f"onboard: error: cannot listen on 127.0.0.1:{port}" in done.stderr and "--host/--port" in done.stderr
    )
    assert "Traceback" not in done.stderr
