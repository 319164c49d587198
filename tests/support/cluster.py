"""A RabbitMQ cluster and a PostgreSQL primary with its standby, of the suite's own.

Started on loopback ports from Debian's packages, for the faults they are there to
suffer, and removed at the end. Nothing here touches the machine's own services: the
RabbitMQ nodes have their own names, ports, data directories, Erlang cookie and epmd
port; the PostgreSQL servers their own data directories, ports and sockets.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
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
from pathlib import Path

import psycopg

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(
    predicate: Callable[[], object], timeout_s: float, what: str, every_s: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


def _kill_group(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@dataclass
class RabbitNode:
    """One node: its name, ports and directories."""

    name: str
    amqp_port: int
    dist_port: int
    home: Path
    process: subprocess.Popen[bytes] | None = None


class RabbitCluster:
    """Nodes of one RabbitMQ cluster on this host, clustered with ``rabbitmqctl``."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.tag = uuid.uuid4().hex[:4]
        self.epmd_port = free_port()
        self.cookie_home = root / "home"
        self.nodes = [
            RabbitNode(
                f"permis-t{i}-{self.tag}@localhost", free_port(), free_port(), root / f"n{i}"
            )
            for i in range(size)
        ]

    def _env(self, node: RabbitNode | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "HOME": str(self.cookie_home),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
        }
        if node is not None:
            env |= {
                "RABBITMQ_NODENAME": node.name,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(node.amqp_port),
                "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_MNESIA_BASE": str(node.home / "mnesia"),
                "RABBITMQ_LOG_BASE": str(node.home / "log"),
                "RABBITMQ_PID_FILE": str(node.home / "rabbit.pid"),
                "RABBITMQ_CONFIG_FILE": str(node.home / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.home / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                "RABBITMQ_FEATURE_FLAGS_FILE": str(node.home / "feature_flags"),
            }
        return env

    def start(self) -> float:
        """Start every node, cluster them; the seconds it took."""
        began = time.monotonic()
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
                "vm_memory_high_watermark.relative = 0.2\n"
                "disk_free_limit.absolute = 50MB\n"
            )
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(self._boot, range(len(self.nodes))))
        first = self.nodes[0].name
        for i in range(1, len(self.nodes)):
            self.ctl(i, "stop_app")
            self.ctl(i, "join_cluster", first)
            self.ctl(i, "start_app")
        _wait(lambda: self.running() == set(range(len(self.nodes))), 60, "cluster formed")
        return time.monotonic() - began

    def _boot(self, i: int) -> None:
        node = self.nodes[i]
        with (node.home / "log" / "console.log").open("ab") as out:
            node.process = subprocess.Popen(
                [str(RABBIT_BIN / "rabbitmq-server")],
                env=self._env(node),
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            pid_file = str(node.home / "rabbit.pid")
            self.ctl(i, "wait", pid_file, "--timeout", "120", timeout_s=150)
        except RuntimeError as exc:
            log = (node.home / "log" / "console.log").read_text(errors="replace")
            raise RuntimeError(f"node {node.name} did not start: {log[-3000:]}") from exc

    def ctl(self, i: int, *args: str, timeout_s: float = 60) -> str:
        """``rabbitmqctl -q -n <node i>``; RuntimeError with what it said when it fails."""
        command = [str(RABBIT_BIN / "rabbitmqctl"), "-q", "-n", self.nodes[i].name, *args]
        done = subprocess.run(
            command, env=self._env(), capture_output=True, text=True, timeout=timeout_s
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {said}")
        return done.stdout

    def url(self, vhost: str, i: int) -> str:
        quoted = urllib.parse.quote(vhost, safe="")
        return f"amqp://guest:guest@127.0.0.1:{self.nodes[i].amqp_port}/{quoted}"

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
        """The nodes whose process runs and whose broker application is up."""
        alive = [i for i in range(len(self.nodes)) if self._alive(i)]
        if not alive:
            return set()
        try:
            status = json.loads(self.ctl(alive[0], "cluster_status", "--formatter", "json"))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired):
            return set()
        names = set(status.get("running_nodes", []))
        return {i for i in alive if self.nodes[i].name in names}

    def kill(self, i: int) -> None:
        """kill -9 node ``i`` (its Erlang VM and what it started)."""
        _kill_group(self.nodes[i].process)

    def stop(self, i: int) -> None:
        """Stop node ``i`` as an operator does."""
        self.ctl(i, "stop", timeout_s=120)
        process = self.nodes[i].process
        if process is not None:
            process.wait(timeout=60)

    def start_node(self, i: int) -> None:
        """Start node ``i`` again on its data, and wait until it is back in the cluster."""
        self._boot(i)
        _wait(lambda: i in self.running(), 60, f"node {i} rejoined")

    def restart(self, i: int) -> None:
        self.stop(i)
        self.start_node(i)

    def queues(self, vhost: str) -> list[dict[str, str]]:
        """Each queue of ``vhost``: name, type, leader, messages, messages_unacknowledged."""
        columns = ("name", "type", "leader", "messages", "messages_unacknowledged")
        listed = self.ctl(self._any(), "list_queues", "-p", vhost, *columns, "--formatter", "json")
        return [{k: str(v) for k, v in row.items()} for row in json.loads(listed or "[]")]

    def leader_of(self, vhost: str, queue: str) -> int:
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
        subprocess.run(["pkill", "-9", "-f", f"epmd.*-port {self.epmd_port}"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _pg_bin(name: str) -> str:
    (found,) = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    return found


def _as_postgres(*command: str, timeout_s: float = 120) -> None:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {(done.stderr or done.stdout).strip()}")


@dataclass
class PgServer:
    """One PostgreSQL server: its data directory, port and application name."""

    name: str
    port: int
    data: Path
    process: subprocess.Popen[bytes] | None = None


SYNC_NAMES = "'ANY 1 (pg_a, pg_b)'"


class PostgresPair:
    """A PostgreSQL primary and a standby streaming from it, synchronously.

    Its files live in a new directory of ``parent`` that the ``postgres`` user can reach
    (pytest's own temporary directories are root's alone).
    """

    def __init__(self, parent: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="permis-pg-", dir=parent))
        self.servers = [
            PgServer("pg_a", free_port(), self.root / "pg_a"),
            PgServer("pg_b", free_port(), self.root / "pg_b"),
        ]
        self.primary = 0

    @property
    def standby(self) -> int:
        return 1 - self.primary

    def start(self) -> float:
        """initdb a primary, clone its standby; the seconds it took."""
        began = time.monotonic()
        self.root.chmod(0o755)
        shutil.chown(self.root, "postgres", "postgres")
        primary = self.servers[0]
        _as_postgres(
            _pg_bin("initdb"),
            "-D",
            str(primary.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"  # TCP only: no socket lock file to copy
                "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n"
                # A process killed keeps what it wrote in the OS cache: fsync buys nothing here.
                "fsync = off\nfull_page_writes = off\n"
                f"synchronous_commit = on\nsynchronous_standby_names = {SYNC_NAMES}\n"
                "wal_sender_timeout = 5s\nwal_receiver_timeout = 5s\n"
            )
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        self._boot(0)
        self._clone_standby()
        _wait(self._streaming, 30, "standby synchronous")
        return time.monotonic() - began

    def _boot(self, i: int) -> None:
        server = self.servers[i]
        with (self.root / f"{server.name}.log").open("ab") as out:
            server.process = subprocess.Popen(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    _pg_bin("postgres"),
                    "-D",
                    str(server.data),
                    "-p",
                    str(server.port),
                ],
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        _wait(lambda: self._answers(i), 60, f"{server.name} accepting connections")

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
            cursor = conn.execute(statement)
            return list(cursor.fetchall()) if cursor.description else []

    def _clone_standby(self) -> None:
        primary, standby = self.servers[self.primary], self.servers[self.standby]
        shutil.rmtree(standby.data, ignore_errors=True)
        _as_postgres(
            _pg_bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(standby.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # else it waits for the next checkpoint, minutes away
        )
        with (standby.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres"
                f" application_name={standby.name}'\n"
            )
        self._boot(self.standby)
        _wait(lambda: self._streaming(("sync", "quorum", "async")), 60, "standby streaming")

    def _streaming(self, modes: tuple[str, ...] = ("sync", "quorum")) -> bool:
        rows = self._sql(self.primary, "SELECT state, sync_state FROM pg_stat_replication")
        return any(state == "streaming" and sync in modes for state, sync in rows)

    def url(self, database: str = "postgres") -> str:
        """Both servers in libpq's multi-host form: whichever is the primary is found."""
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.servers)
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    def primary_url(self, database: str = "postgres") -> str:
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
                self._sql(self.primary, f'DROP DATABASE "{name}" WITH (FORCE)')

    def kill_primary(self) -> None:
        """kill -9 the primary's postmaster and every backend."""
        _kill_group(self.servers[self.primary].process)

    def promote(self) -> None:
        """Promote the standby and let it commit alone until a new standby joins (as
        Patroni does when no synchronous standby is left)."""
        standby = self.servers[self.standby]
        _as_postgres(_pg_bin("pg_ctl"), "promote", "-D", str(standby.data))
        self.primary = self.standby
        _wait(
            lambda: self._sql(self.primary, "SELECT pg_is_in_recovery()") == [(False,)],
            30,
            "promoted",
        )
        self._sql(self.primary, "ALTER SYSTEM SET synchronous_standby_names = ''")
        self._sql(self.primary, "SELECT pg_reload_conf()")

    def failover(self) -> float:
        """kill -9 the primary, promote the standby; the seconds it took."""
        began = time.monotonic()
        self.kill_primary()
        self.promote()
        return time.monotonic() - began

    def rebuild_standby(self) -> None:
        """The lost server comes back as a standby of the new primary; commits wait for
        it again."""
        _kill_group(self.servers[self.standby].process)
        self._clone_standby()
        self._sql(self.primary, "ALTER SYSTEM RESET synchronous_standby_names")
        self._sql(self.primary, "SELECT pg_reload_conf()")
        _wait(self._streaming, 30, "standby synchronous again")

    def restart_primary(self) -> None:
        """Stop the primary as an operator does (fast), and start it again."""
        primary = self.servers[self.primary]
        _as_postgres(_pg_bin("pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(primary.data))
        if primary.process is not None:
            primary.process.wait(timeout=30)
        self._boot(self.primary)
        _wait(self._streaming, 60, "standby streaming again")

    def close(self) -> None:
        """Kill both servers and remove their files; safe to call again."""
        for server in self.servers:
            _kill_group(server.process)
        shutil.rmtree(self.root, ignore_errors=True)
