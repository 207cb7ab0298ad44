"""The worker's Runtime: the --metrics-bind address and its failures."""

import socket
import urllib.request

import pytest
from onboard.core.errors import OnboardError
from onboard.workers.devserver import free_port
from onboard.workers.runtime import parse_bind_address, worker_runtime


@pytest.mark.parametrize(
    ("given", "bound"),
    [("127.0.0.1:9464", "127.0.0.1:9464"), (":9464", "0.0.0.0:9464"), ("[::1]:9464", "[::1]:9464")],
)
def test_bind_addresses(given, bound):
    assert parse_bind_address(given) == bound


@pytest.mark.parametrize("given", ["9464", "localhost", "host:port", "127.0.0.1:0", "127.0.0.1:70000"])
def test_malformed_bind_addresses_name_the_flag(given):
    with pytest.raises(OnboardError, match=rf"--metrics-bind '{given}': expected HOST:PORT"):
        parse_bind_address(given)


def test_a_taken_metrics_port_is_a_clear_error():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(OnboardError, match=rf"--metrics-bind 127.0.0.1:{port}: .*in use"):
            worker_runtime(f"127.0.0.1:{port}")


def test_the_endpoint_serves_prometheus_text_from_the_start():
    port = free_port()
    _runtime = worker_runtime(f"127.0.0.1:{port}")  # the endpoint lives as long as the runtime
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
