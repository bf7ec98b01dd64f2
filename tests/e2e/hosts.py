"""Separate hosts on one machine for the end-to-end tests: Linux network namespaces
(``ip netns``) joined by veth pairs to a bridge in the test's own namespace.

Each host sees only its loopback and the bridge's network; the test machine's services
(PostgreSQL, Redis, the S3 server) are reached at the bridge's address, through small
TCP forwarders for the services that listen on 127.0.0.1 only. Processes run in a host
with ``ip netns exec``, each with its own data and temporary folders.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SUBNET = "10.213.{}.{}"


class Unavailable(Exception):
    """Network namespaces cannot be made here; the message says why."""


def _ip(*args: str, namespace: str | None = None) -> None:
    command = ["ip", *(("netns", "exec", namespace, "ip") if namespace else ()), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise Unavailable(f"`{' '.join(command)}` failed: {result.stderr.strip()}")


@dataclass
class Network:
    """A bridge and a namespace per host; ``gateway`` is the test machine's address."""

    tag: str
    octet: int
    hosts: dict[str, str] = field(default_factory=dict)  # name -> namespace
    addresses: dict[str, str] = field(default_factory=dict)  # name -> address

    @property
    def bridge(self) -> str:
        return f"kb{self.tag}"

    @property
    def gateway(self) -> str:
        return SUBNET.format(self.octet, 1)

    def add_host(self, name: str) -> str:
        number = len(self.hosts) + 2
        namespace = f"kip-{self.tag}-{name}"
        outside, inside = f"kv{self.tag}{number}", f"ki{self.tag}{number}"
        _ip("netns", "add", namespace)
        self.hosts[name] = namespace
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        address = SUBNET.format(self.octet, number)
        _ip("addr", "add", f"{address}/24", "dev", inside, namespace=namespace)
        _ip("link", "set", inside, "up", namespace=namespace)
        _ip("link", "set", "lo", "up", namespace=namespace)
        self.addresses[name] = address
        return address

    def popen(self, host: str, command: list[str], *, env: dict, log_path: Path
              ) -> subprocess.Popen:
        """Start ``command`` in ``host``, in a process group of its own."""
        with log_path.open("wb") as log:
            return subprocess.Popen(["ip", "netns", "exec", self.hosts[host], *command],
                                    env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=env.get("PWD"))


def unavailable_reason() -> str | None:
    """Why network namespaces cannot be made here, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    probe = f"kip-probe-{uuid.uuid4().hex[:6]}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return f"`ip netns add` failed: {result.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return None


@contextlib.contextmanager
def network(host_names: list[str]) -> Iterator[Network]:
    """A bridge with one namespace per host name; everything removed afterwards."""
    tag = uuid.uuid4().hex[:5]
    net = Network(tag=tag, octet=int(tag, 16) % 200 + 20)
    try:
        _ip("link", "add", net.bridge, "type", "bridge")
        _ip("addr", "add", f"{net.gateway}/24", "dev", net.bridge)
        _ip("link", "set", net.bridge, "up")
        for name in host_names:
            net.add_host(name)
        yield net
    finally:
        for namespace in net.hosts.values():
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        subprocess.run(["ip", "link", "delete", net.bridge], capture_output=True)


class Forwarder:
    """Accept TCP connections on ``listen`` and pipe each to ``target`` (a service that
    listens on 127.0.0.1 only, made reachable from the hosts)."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server(listen, reuse_port=False)
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.server.close()
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.close()


@contextlib.contextmanager
def forwarded(listen_host: str, targets: dict[int, tuple[str, int]]) -> Iterator[None]:
    """Forward each ``listen_host:port`` to its target while the block runs."""
    forwarders = [Forwarder((listen_host, port), target) for port, target in targets.items()]
    try:
        yield
    finally:
        for forwarder in forwarders:
            forwarder.close()
