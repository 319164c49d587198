"""The network namespaces the cluster's nodes run in: a cut node is reachable by no one,
joined again by everyone, and nothing is left once they are closed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.cluster import Namespaces, free_port, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(120)]

SERVE = """
import socket, sys
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
while True:
    server.accept()[0].close()
"""


@pytest.fixture
def network() -> Iterator[Namespaces]:
    why_not = Namespaces.available()
    if why_not:
        pytest.skip(why_not)
    network = Namespaces(2)
    try:
        network.create()
        yield network
    finally:
        network.close()


def reaches(address: str, port: int, *, inside: list[str] | None = None) -> bool:
    """Whether a TCP connection to ``address:port`` opens within a second, from this host
    or from the namespace ``inside`` runs in."""
    probe = f"import socket; socket.create_connection(({address!r}, {port}), timeout=1)"
    done = subprocess.run([*(inside or []), sys.executable, "-c", probe], capture_output=True)
    return done.returncode == 0


def test_a_cut_node_is_reached_by_nobody_until_joined_again(network: Namespaces) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*network.inside(0), sys.executable, "-c", SERVE, network.address(0), str(port)]
    )
    try:
        wait_for(lambda: reaches(network.address(0), port), 10, "server listening")
        assert reaches(network.address(0), port, inside=network.inside(1))

        network.cut(0)
        assert not reaches(network.address(0), port)
        assert not reaches(network.address(0), port, inside=network.inside(1))

        network.join(0)
        wait_for(lambda: reaches(network.address(0), port), 10, "joined again")
        assert reaches(network.address(0), port, inside=network.inside(1))
    finally:
        server.kill()
        server.wait()


def test_closing_leaves_no_namespace_bridge_or_process(network: Namespaces) -> None:
    sleeper = subprocess.Popen([*network.inside(1), "sleep", "600"])
    network.close()

    assert sleeper.wait(timeout=10) != 0
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(name in listed for name in network.names)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert network.bridge not in links
    assert not any(end in links for end in network.ends)
    addresses = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    assert f" {network.subnet}." not in addresses
