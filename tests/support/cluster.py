"""A RabbitMQ cluster and a PostgreSQL primary with its standby, of the suite's own.

Started from Debian's packages, for the faults they are there to suffer, and removed at
the end. Nothing here touches the machine's own services: the RabbitMQ nodes have their
own names, ports, data directories, Erlang cookie and epmd (its own port); the
PostgreSQL servers their own data directories, ports and sockets, and are never driven
through pg_ctlcluster.

The nodes listen on loopback ports, or, given ``Namespaces``, each in a network namespace
of its own joined to a bridge of this host, so that one can be cut off from the others
and from its clients (a partition) and joined again.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
STARTUP_S = 120.0
QUEUE_COLUMNS = ("name", "type", "leader", "messages", "messages_unacknowledged")
QUEUE_TYPES = {"rabbit_quorum_queue": "quorum", "rabbit_classic_queue": "classic"}
QUEUES_EVAL = re.sub(
    r"\s+",
    " ",
    """
    Leader = fun(Q) -> case amqqueue:get_pid(Q) of {_, N} -> N; P -> node(P) end end,
    Counts = fun(Q) ->
        Name = amqqueue:get_name(Q),
        Asked = case amqqueue:get_type(Q) of
            rabbit_quorum_queue ->
                catch erpc:call(Leader(Q), ets, lookup, [queue_coarse_metrics, Name], 5000);
            _ ->
                catch rabbit_amqqueue:info(Q, [messages, messages_unacknowledged])
        end,
        case Asked of
            [{_, _, Unacked, Total, _}] -> {Total, Unacked};
            [{messages, Total}, {messages_unacknowledged, Unacked}] -> {Total, Unacked};
            _ -> {unknown, unknown}
        end
    end,
    [begin
        {Total, Unacked} = Counts(Q),
        io:format("~ts\\t~s\\t~s\\t~p\\t~p~n",
                  [element(4, amqqueue:get_name(Q)), amqqueue:get_type(Q), Leader(Q),
                   Total, Unacked])
     end || Q <- rabbit_amqqueue:list(<<"VHOST">>)],
    ok.
    """,
).strip()
"""Each queue's row, asked of one node with ``eval`` rather than ``list_queues``: that has
each node send its rows to the CLI itself, which a node in a namespace cannot reach by
the name the CLI goes by. A quorum queue's counts are its leader's (the others' lag)."""
NET_TICKTIME_S = 10
"""How soon a node finds a peer unreachable (RabbitMQ's default is 60 s): short, so that
a partition the suite makes is seen and the minority pauses within the scenario."""


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    predicate: Callable[[], object], timeout_s: float, what: str, every_s: float = 0.2
) -> None:
    """Poll ``predicate`` until it is true; TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


def _kill_group(process: subprocess.Popen[bytes] | None) -> None:
    if process is None:
        return
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_exists(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)  # its other members, reparented, until they are reaped


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


class Namespaces:
    """One network namespace per node, each joined to a bridge of this host by a veth pair.

    Node ``i`` has the address ``address(i)`` in its namespace; this host reaches it over
    the bridge. Setting the host's end of its pair down cuts it off from the other nodes
    and from every client at once, as a failed switch port would.
    """

    def __init__(self, size: int) -> None:
        self.tag = uuid.uuid4().hex[:4]
        self.subnet = _free_subnet()
        self.bridge = f"pmb-{self.tag}"
        self.names = [f"permis-{self.tag}-{i}" for i in range(size)]
        self.ends = [f"pmv-{self.tag}-{i}" for i in range(size)]
        self.created: list[str] = []

    @staticmethod
    def available() -> str | None:
        """Why namespaces cannot be made here, or None when they can."""
        if os.geteuid() != 0:
            return "making network namespaces needs root"
        if shutil.which("ip") is None:
            return "iproute2's ip is not installed"
        probe = f"permis-probe-{uuid.uuid4().hex[:6]}"
        made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
        if made.returncode != 0:
            return f"ip netns add failed: {made.stderr.strip()}"
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
        return None

    def address(self, i: int) -> str:
        return f"{self.subnet}.{10 + i}"

    def inside(self, i: int) -> list[str]:
        """The prefix that runs a command in node ``i``'s namespace."""
        return ["ip", "netns", "exec", self.names[i]]

    def create(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        self.created.append(self.bridge)
        _ip("addr", "add", f"{self.subnet}.1/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i, (name, end) in enumerate(zip(self.names, self.ends, strict=True)):
            _ip("netns", "add", name)
            self.created.append(name)
            _ip("link", "add", end, "type", "veth", "peer", "name", "eth0", "netns", name)
            _ip("link", "set", end, "master", self.bridge, "up")
            _ip("-n", name, "addr", "add", f"{self.address(i)}/24", "dev", "eth0")
            _ip("-n", name, "link", "set", "eth0", "up")
            _ip("-n", name, "link", "set", "lo", "up")

    def cut(self, i: int) -> None:
        """Cut node ``i`` off the network."""
        _ip("link", "set", self.ends[i], "down")

    def join(self, i: int) -> None:
        """Put node ``i`` back on the network."""
        _ip("link", "set", self.ends[i], "up")

    def close(self) -> None:
        """Kill what still runs in the namespaces, then remove them and the bridge."""
        for name in self.names:
            if name not in self.created:
                continue
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
            for pid in pids.stdout.split():
                with suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        for end in self.ends:  # its pair goes with it; a namespace's own may go only later
            subprocess.run(["ip", "link", "del", end], capture_output=True)
        if self.bridge in self.created:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        self.created.clear()


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def _free_subnet() -> str:
    """A 10.77.x subnet no interface of this host uses."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    for third in random.sample(range(100, 250), 150):
        if f" 10.77.{third}." not in used:
            return f"10.77.{third}"
    raise RuntimeError("no free 10.77.x subnet")


@dataclass
class RabbitNode:
    """One node: its name, ports and directory."""

    name: str
    amqp_port: int
    dist_port: int
    home: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def console(self) -> Path:
        return self.home / "log" / "console.log"


class RabbitCluster:
    """Nodes of one RabbitMQ cluster on this host, clustered with ``rabbitmqctl``.

    With ``network``, each node runs in its namespace, named by its address (Erlang's
    long names), with an epmd of its own there.
    """

    def __init__(self, root: Path, size: int = 3, *, network: Namespaces | None = None) -> None:
        self.root = root
        self.network = network
        self.tag = uuid.uuid4().hex[:4]
        self.epmd_port = free_port()
        self.epmds: list[subprocess.Popen[bytes]] = []
        self.cookie_home = root / "home"
        self.nodes = [
            RabbitNode(
                f"permis-t{i}-{self.tag}@{self.host(i) if network else 'localhost'}",
                free_port(),
                free_port(),
                root / f"n{i}",
            )
            for i in range(size)
        ]
        self.started_s: float | None = None

    def host(self, i: int) -> str:
        """The address node ``i`` listens on."""
        return self.network.address(i) if self.network else "127.0.0.1"

    def _inside(self, i: int) -> list[str]:
        return self.network.inside(i) if self.network else []

    def _env(self, node: RabbitNode | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "HOME": str(self.cookie_home),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
        }
        if self.network:
            env["RABBITMQ_USE_LONGNAME"] = "true"
        if node is not None:
            env |= {
                "RABBITMQ_NODENAME": node.name,
                "RABBITMQ_NODE_IP_ADDRESS": node.name.partition("@")[2].replace(
                    "localhost", "127.0.0.1"
                ),
                "RABBITMQ_NODE_PORT": str(node.amqp_port),
                "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_MNESIA_BASE": str(node.home / "mnesia"),
                "RABBITMQ_LOG_BASE": str(node.home / "log"),
                "RABBITMQ_PID_FILE": str(node.home / "rabbit.pid"),
                "RABBITMQ_CONFIG_FILE": str(node.home / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.root / "no-advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                "RABBITMQ_FEATURE_FLAGS_FILE": str(node.home / "feature_flags"),
            }
        return env

    def start(self) -> float:
        """Start every node in parallel and cluster them; the seconds it took."""
        began = time.monotonic()
        if self.network:
            self.network.create()
        self._write_files()
        self._start_epmd()
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(self._boot, range(len(self.nodes))))
        first = self.nodes[0].name
        for i in range(1, len(self.nodes)):
            self.ctl(i, "stop_app")
            self.ctl(i, "join_cluster", first)
            self.ctl(i, "start_app")
        everyone = set(range(len(self.nodes)))
        wait_for(lambda: self.running() == everyone, 60, "cluster formed")
        self.started_s = time.monotonic() - began
        log.info("RabbitMQ cluster of %d nodes up in %.1f s", len(self.nodes), self.started_s)
        return self.started_s

    def _write_files(self) -> None:
        self.cookie_home.mkdir(parents=True, exist_ok=True)
        cookie = self.cookie_home / ".erlang.cookie"
        cookie.write_text(uuid.uuid4().hex.upper())
        cookie.chmod(0o600)
        (self.root / "rabbitmq-env.conf").write_text("")
        (self.root / "enabled_plugins").write_text("[].\n")
        for node in self.nodes:
            (node.home / "log").mkdir(parents=True, exist_ok=True)
            (node.home / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = {node.amqp_port}\n"
                "cluster_partition_handling = pause_minority\n"
                f"net_ticktime = {NET_TICKTIME_S}\n"
                "loopback_users = none\n"
                "vm_memory_high_watermark.relative = 0.2\n"
                "disk_free_limit.absolute = 50MB\n"
            )

    def _start_epmd(self) -> None:
        """Our own epmd in the foreground, on this host for the CLI and in each node's
        namespace, so that neither daemonizes one that would outlive the cluster."""
        places: list[tuple[list[str], str]] = [([], "127.0.0.1")]
        if self.network:
            places += [(self._inside(i), self.host(i)) for i in range(len(self.nodes))]
        for n, (inside, address) in enumerate(places):
            with (self.root / f"epmd{n}.log").open("ab") as out:
                self.epmds.append(
                    subprocess.Popen(
                        [*inside, "epmd", "-port", str(self.epmd_port), "-address", address],
                        env=self._env(),
                        stdout=out,
                        stderr=out,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            wait_for(partial(_listening, self.epmd_port, address), 10, "epmd listening")

    def _boot(self, i: int) -> None:
        node = self.nodes[i]
        with node.console.open("ab") as out:
            node.process = subprocess.Popen(
                [*self._inside(i), str(RABBIT_BIN / "rabbitmq-server")],
                env=self._env(node),
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._await_startup(i)

    def _await_startup(self, i: int) -> None:
        node, deadline = self.nodes[i], time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if not self._alive(i):
                raise RuntimeError(f"node {node.name} exited: {_tail(node.console)}")
            try:
                self.ctl(i, "await_startup", "--timeout", "15", timeout_s=30)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                time.sleep(1)
        raise RuntimeError(f"node {node.name} did not start: {_tail(node.console)}")

    def ctl(self, i: int, *args: str, timeout_s: float = 60) -> str:
        """``rabbitmqctl -q -n <node i> …``; RuntimeError with what it said when it fails."""
        names = ["--longnames"] if self.network else []
        command = [str(RABBIT_BIN / "rabbitmqctl"), "-q", *names, "-n", self.nodes[i].name, *args]
        done = subprocess.run(
            command, env=self._env(), capture_output=True, text=True, timeout=timeout_s
        )
        if done.returncode != 0:
            said = (done.stderr + done.stdout).strip()
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {said}")
        return done.stdout

    def url(self, vhost: str, i: int) -> str:
        """The AMQP URL of ``vhost`` on node ``i``."""
        quoted = urllib.parse.quote(vhost, safe="")
        return f"amqp://guest:guest@{self.host(i)}:{self.nodes[i].amqp_port}/{quoted}"

    def urls(self, vhost: str) -> str:
        """Every node's URL, comma-separated: the form of ``PERMIS_BROKER_URL``."""
        return ",".join(self.url(vhost, i) for i in range(len(self.nodes)))

    def _any(self) -> int:
        alive = sorted(self.running())
        if not alive:
            raise RuntimeError("no node of the cluster is running")
        return alive[0]

    @contextmanager
    def vhost(self, prefix: str) -> Iterator[str]:
        """A new vhost guest may use, deleted afterwards."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.ctl(self._any(), "add_vhost", name)
        try:
            self.ctl(self._any(), "set_permissions", "-p", name, "guest", ".*", ".*", ".*")
            yield name
        finally:
            with suppress(RuntimeError, subprocess.TimeoutExpired):
                self.ctl(self._any(), "delete_vhost", name)

    def _alive(self, i: int) -> bool:
        process = self.nodes[i].process
        return process is not None and process.poll() is None

    def running(self) -> set[int]:
        """The nodes whose process runs and whose broker application is up in the cluster."""
        for asked in [i for i in range(len(self.nodes)) if self._alive(i)]:
            try:
                said = self.ctl(asked, "cluster_status", "--formatter", "json", timeout_s=15)
                status = json.loads(said)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired):
                continue
            names = set(status.get("running_nodes", []))
            return {
                i for i in range(len(self.nodes)) if self._alive(i) and self.nodes[i].name in names
            }
        return set()

    def kill(self, *nodes: int) -> None:
        """kill -9 each of ``nodes`` at once (its Erlang VM and what it started), and wait
        until they are gone."""
        for i in nodes:
            process = self.nodes[i].process
            if process is not None:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
        for i in nodes:
            _kill_group(self.nodes[i].process)

    def stop(self, i: int) -> None:
        """Stop node ``i`` as an operator does, and wait until its process is gone."""
        self.ctl(i, "stop", timeout_s=120)
        process = self.nodes[i].process
        if process is not None:
            process.wait(timeout=60)

    def start_node(self, i: int) -> None:
        """Start node ``i`` again on its data, and wait until it is back in the cluster."""
        self._boot(i)
        wait_for(lambda: i in self.running(), 60, f"node {i} rejoined")

    def cut(self, i: int) -> None:
        """Cut node ``i`` off the other nodes and its clients (a partition)."""
        if self.network is None:
            raise RuntimeError("a partition needs the nodes in network namespaces")
        self.network.cut(i)

    def join(self, i: int) -> None:
        """Heal the partition of node ``i``."""
        if self.network is None:
            raise RuntimeError("a partition needs the nodes in network namespaces")
        self.network.join(i)

    def restart(self, i: int) -> None:
        """``stop`` then ``start_node``."""
        self.stop(i)
        self.start_node(i)

    def queues(self, vhost: str) -> list[dict[str, str]]:
        """Each queue of ``vhost``: name, type, leader, messages, messages_unacknowledged
        (a count is "unknown" when its leader does not answer)."""
        if not vhost.replace("-", "").isalnum():
            raise ValueError(f"not a vhost of this suite: {vhost!r}")
        said = self.ctl(self._any(), "eval", QUEUES_EVAL.replace("VHOST", vhost))
        rows = [line.split("\t") for line in said.splitlines() if "\t" in line]
        return [
            dict(zip(QUEUE_COLUMNS, [name, QUEUE_TYPES.get(kind, kind), *rest], strict=True))
            for name, kind, *rest in rows
        ]

    def leader_of(self, vhost: str, queue: str) -> int:
        """The index of the node leading quorum queue ``queue``."""
        (row,) = [q for q in self.queues(vhost) if q["name"] == queue]
        return self._index(row["leader"])

    def node_leading_most(self, vhost: str, prefix: str) -> int:
        """The node that leads most of the quorum queues whose name starts with ``prefix``."""
        leaders = Counter(q["leader"] for q in self.queues(vhost) if q["name"].startswith(prefix))
        return self._index(leaders.most_common(1)[0][0])

    def _index(self, name: str) -> int:
        return [node.name for node in self.nodes].index(name)

    def close(self) -> None:
        """Kill every node and epmd, and remove their files; safe to call again."""
        for node in self.nodes:
            _kill_group(node.process)
        with suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(
                ["epmd", "-port", str(self.epmd_port), "-kill"],
                env=self._env(),
                capture_output=True,
                timeout=10,
            )
        for epmd in self.epmds:
            _kill_group(epmd)
        for pid in _pids_with_env("epmd", f"ERL_EPMD_PORT={self.epmd_port}"):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.network:
            self.network.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _listening(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _pids_with_env(program: str, setting: str) -> list[int]:
    """The processes running ``program`` started with the environment entry ``setting``
    (an epmd a node daemonized, whose command line does not name its port)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "exe")).name != program:
                continue
            entries = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if setting.encode() in entries:
            found.append(int(proc.name))
    return found


def _pg_bin(name: str) -> str:
    return sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1]


def _as_postgres(*command: str, timeout_s: float = 120) -> str:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {(done.stderr + done.stdout).strip()}")
    return done.stdout


def _reachable_by_others(path: Path) -> None:
    """Let the postgres user traverse every directory above ``path`` (pytest's temporary
    directories are root's alone)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


@dataclass
class PgServer:
    """One PostgreSQL server: its application name, port, data and socket directories."""

    name: str
    port: int
    data: Path
    socket_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.data.parent / f"{self.name}.log"


SYNC_NAMES = "'ANY 1 (pg_a, pg_b)'"


class PostgresPair:
    """A PostgreSQL primary and a standby streaming from it, synchronously.

    Its files live in ``root`` (made reachable by the ``postgres`` user), or in a new
    directory of the system's temporary directory.
    """

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="permis-pg-"))
        self.root = root
        self.servers = [self._server("pg_a"), self._server("pg_b")]
        self.primary = 0
        self.started_s: float | None = None

    def _server(self, name: str) -> PgServer:
        return PgServer(name, free_port(), self.root / name, self.root / f"{name}-socket")

    @property
    def standby(self) -> int:
        """The index of the server that is not the primary."""
        return 1 - self.primary

    def start(self) -> float:
        """initdb a primary, clone its synchronous standby; the seconds it took."""
        began = time.monotonic()
        self._prepare_root()
        self._init_primary(self.servers[0])
        self._boot(0)
        self._clone_standby()
        wait_for(self._streaming, 30, "standby synchronous")
        self.started_s = time.monotonic() - began
        log.info("PostgreSQL primary and standby up in %.1f s", self.started_s)
        return self.started_s

    def _prepare_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _reachable_by_others(self.root)
        self.root.chmod(0o755)
        shutil.chown(self.root, "postgres", "postgres")
        for server in self.servers:
            server.socket_dir.mkdir(exist_ok=True)
            shutil.chown(server.socket_dir, "postgres", "postgres")

    def _init_primary(self, primary: PgServer) -> None:
        initdb = [_pg_bin("initdb"), "-D", str(primary.data), "--no-instructions"]
        _as_postgres(*initdb, "-A", "trust", "-U", "postgres", "-E", "UTF8")
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n"
                # A process killed leaves what it wrote in the OS cache: fsync buys nothing.
                "fsync = off\nfull_page_writes = off\n"
                f"synchronous_commit = on\nsynchronous_standby_names = {SYNC_NAMES}\n"
                "wal_sender_timeout = 5s\nwal_receiver_timeout = 5s\n"
                "shared_buffers = 32MB\nmax_connections = 100\n"
            )
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        self._own_settings(primary, None)

    def _own_settings(self, server: PgServer, upstream: PgServer | None) -> None:
        """Port, socket and (for a standby) whom to stream from, in postgresql.auto.conf,
        which is read last."""
        lines = [
            line
            for line in (server.data / "postgresql.auto.conf").read_text().splitlines()
            if not line.startswith(("port", "unix_socket_directories", "primary_conninfo"))
        ]
        lines += [f"port = {server.port}", f"unix_socket_directories = '{server.socket_dir}'"]
        if upstream is not None:
            lines.append(
                f"primary_conninfo = 'host=127.0.0.1 port={upstream.port} user=postgres"
                f" application_name={server.name}'"
            )
        (server.data / "postgresql.auto.conf").write_text("\n".join(lines) + "\n")

    def _boot(self, i: int) -> None:
        server = self.servers[i]
        for stale in server.socket_dir.glob(".s.PGSQL.*"):  # left by a postmaster killed
            stale.unlink()
        with server.log.open("ab") as out:
            server.process = subprocess.Popen(
                ["runuser", "-u", "postgres", "--", _pg_bin("postgres"), "-D", str(server.data)],
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while not self._answers(i):
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server.name} did not start: {_tail(server.log)}")
            time.sleep(0.2)

    def _answers(self, i: int) -> bool:
        try:
            with self._connect(i):
                return True
        except psycopg.OperationalError:
            return False

    def _connect(
        self, i: int, database: str = "postgres"
    ) -> psycopg.Connection[tuple[object, ...]]:
        port = self.servers[i].port
        return psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname={database} connect_timeout=3",
            autocommit=True,
        )

    def _sql(self, i: int, statement: str) -> list[tuple[object, ...]]:
        with self._connect(i) as conn:
            cursor = conn.execute(statement.encode())
            return list(cursor.fetchall()) if cursor.description else []

    def _clone_standby(self) -> None:
        primary, standby = self.servers[self.primary], self.servers[self.standby]
        shutil.rmtree(standby.data, ignore_errors=True)
        _as_postgres(
            _pg_bin("pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(standby.data), "-R", "-X", "stream"),
            "--checkpoint=fast",  # else it waits for the next checkpoint, minutes away
        )
        self._own_settings(standby, primary)
        self._boot(self.standby)
        wait_for(lambda: self._streaming(("sync", "quorum", "async")), 60, "standby streaming")

    def _streaming(self, modes: tuple[str, ...] = ("sync", "quorum")) -> bool:
        rows = self._sql(self.primary, "SELECT state, sync_state FROM pg_stat_replication")
        return any(state == "streaming" and sync in modes for state, sync in rows)

    def replication(self) -> list[tuple[object, ...]]:
        """The primary's pg_stat_replication: (application_name, state, sync_state) rows."""
        query = "SELECT application_name, state, sync_state FROM pg_stat_replication"
        return self._sql(self.primary, query)

    def url(self, database: str = "postgres") -> str:
        """Both servers in libpq's multi-host form: whichever is the primary is found."""
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.servers)
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    def primary_url(self, database: str = "postgres") -> str:
        """The current primary alone."""
        return f"postgresql://postgres@127.0.0.1:{self.servers[self.primary].port}/{database}"

    @contextmanager
    def database(self, prefix: str) -> Iterator[str]:
        """A new database on the primary, dropped afterwards."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._sql(self.primary, f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            with suppress(psycopg.Error):
                self._sql(self.primary, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def kill_primary(self) -> None:
        """kill -9 the primary's postmaster and every backend."""
        _kill_group(self.servers[self.primary].process)

    def promote(self) -> None:
        """Promote the standby, and let it commit alone until a new standby joins (as
        Patroni does when no synchronous standby is left)."""
        standby = self.servers[self.standby]
        _as_postgres(_pg_bin("pg_ctl"), "promote", "-w", "-D", str(standby.data))
        self.primary = self.standby
        in_recovery = "SELECT pg_is_in_recovery()"
        wait_for(lambda: self._sql(self.primary, in_recovery) == [(False,)], 30, "promoted")
        self._sql(self.primary, "ALTER SYSTEM SET synchronous_standby_names = ''")
        self._sql(self.primary, "SELECT pg_reload_conf()")

    def failover(self) -> float:
        """kill -9 the primary, promote the standby; the seconds it took."""
        began = time.monotonic()
        self.kill_primary()
        self.promote()
        return time.monotonic() - began

    def rebuild_standby(self) -> float:
        """The lost server comes back as a standby of the new primary, and commits wait for
        it again; the seconds it took."""
        began = time.monotonic()
        _kill_group(self.servers[self.standby].process)
        self._clone_standby()
        self._sql(self.primary, "ALTER SYSTEM RESET synchronous_standby_names")
        self._sql(self.primary, "SELECT pg_reload_conf()")
        wait_for(self._streaming, 30, "standby synchronous again")
        return time.monotonic() - began

    def restart_primary(self) -> None:
        """Stop the primary as an operator does (fast), and start it again."""
        primary = self.servers[self.primary]
        _as_postgres(_pg_bin("pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(primary.data))
        if primary.process is not None:
            primary.process.wait(timeout=30)
        self._boot(self.primary)
        wait_for(self._streaming, 60, "standby streaming again")

    def close(self) -> None:
        """Kill both servers and remove their files; safe to call again."""
        for server in self.servers:
            _kill_group(server.process)
        shutil.rmtree(self.root, ignore_errors=True)
