"""The ``permis`` command: run the pipeline or one stage, the demo, keys and the contract's schemas.

Exit status: 0 success, 1 a negative answer, 2 a usage error (CONTRACTS.md §9).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from workers import cli_text

if TYPE_CHECKING:
    from config.settings import Settings

USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    # Until the logs are set up, a warning (an import's, say) is held, then logged: this
    # module imports only the standard library, so none can come before.
    with warnings.catch_warnings(record=True) as early:
        args = build_parser().parse_args(argv)
        settings = _settings()
        if settings is None:
            return USAGE_ERROR
        _place_metrics(args.command, settings)
        _configure_logs(args, settings)
    from workers.core import logs

    logs.capture_warnings(early)
    return int(args.handler(args, settings))


def _configure_logs(args: argparse.Namespace, settings: Settings) -> None:
    """JSON lines for a service, short text for a person; the demo's go to its run folder."""
    from workers.core import logs

    serving = args.command in ("run", "worker", "desk")
    as_json = (settings.log_format or ("json" if serving else "text")) == "json"
    if args.command == "demo":
        from workers.demo.folder import LOG_FILE, new_run_dir

        args.run_dir = new_run_dir(args.dir)
        logs.configure(logging.INFO, as_json=as_json, file=args.run_dir / LOG_FILE)
    else:
        logs.configure(logging.INFO if serving else logging.WARNING, as_json=as_json)


def _settings() -> Settings | None:
    from pydantic import ValidationError

    from config.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        print(f"permis: invalid settings: {exc}", file=sys.stderr)
        return None


def _place_metrics(command: str, settings: Settings) -> None:
    # Before anything imports prometheus-client or dramatiq (see workers.core.multiprocess).
    from workers.core.multiprocess import metrics_are_shared, share_metrics, single_process_metrics

    if command == "run":
        share_metrics(settings.metrics_dir, fresh=True)
    elif command == "worker":
        if not metrics_are_shared():
            share_metrics(settings.metrics_dir, fresh=False)
    else:
        single_process_metrics()


def build_parser() -> argparse.ArgumentParser:
    from messages.portal import Category

    parser = argparse.ArgumentParser(prog="permis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the whole pipeline, supervised")
    run.set_defaults(handler=_run)

    worker = commands.add_parser("worker", help="run one stage (or ingress)")
    worker.add_argument("stage", choices=_process_names())
    worker.set_defaults(handler=_worker)

    prepare = commands.add_parser(
        "prepare", help="bring the database schema up to date and declare the broker topology"
    )
    prepare.set_defaults(handler=_prepare)

    demo = commands.add_parser("demo", help="feed the sample messages through the pipeline")
    demo.add_argument("--dir", type=Path, default=Path("permis-demo"), help="where runs are kept")
    demo.set_defaults(handler=_demo)

    check = commands.add_parser("check", help="run intake on a submission offline")
    check.add_argument("file", nargs="?", type=Path, help="a CloudEvent body (JSON)")
    check.add_argument("--number", help="validate a dossier number's check digit instead")
    check.add_argument("--json", action="store_true", help="print the answer as JSON")
    check.set_defaults(handler=_check)

    route = commands.add_parser("route", help="which platform a postcode goes to, and why")
    route.add_argument("postcode")
    route.add_argument("--category", default="employee", choices=get_args(Category))
    route.add_argument("--json", action="store_true")
    route.set_defaults(handler=_route)

    routes = commands.add_parser("routes", help="the département table with sources")
    routes.add_argument("--json", action="store_true")
    routes.set_defaults(handler=_routes)

    dossier = commands.add_parser("dossier", help="look into dossiers")
    dossier_commands = dossier.add_subparsers(dest="dossier_command", required=True)
    show = dossier_commands.add_parser("show", help="a dossier's state, history, documents, emails")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_dossier_show)
    verify = dossier_commands.add_parser("verify", help="check every dossier's history chain")
    verify.set_defaults(handler=_dossier_verify)

    document = commands.add_parser("document", help="issued documents")
    document_commands = document.add_subparsers(dest="document_command", required=True)
    reissue = document_commands.add_parser(
        "reissue", help="issue a replacement that supersedes a document, and send it again"
    )
    reissue.add_argument("number", help="the number of the document to replace")
    reissue.set_defaults(handler=_document_reissue)

    dlq = commands.add_parser("dlq", help="messages kept for ops: failed in a stage, or refused")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_commands.add_parser("list", help="how many messages wait in each queue")
    dlq_list.add_argument("--json", action="store_true")
    dlq_list.set_defaults(handler=_dlq_list)
    dlq_show = dlq_commands.add_parser("show", help="the messages of a queue, with their reason")
    dlq_show.add_argument("queue", help="a stage (intake, mail…), portal, agents, or a name")
    dlq_show.add_argument("--limit", type=int, default=20)
    dlq_show.add_argument("--json", action="store_true")
    dlq_show.set_defaults(handler=_dlq_show)
    for verb, what in (("replay", "publish again, retries reset"), ("purge", "drop for good")):
        action = dlq_commands.add_parser(verb, help=f"{what}: the messages given, or --all")
        action.add_argument("queue")
        action.add_argument("ids", nargs="*", help="message ids, as `dlq show` prints them")
        action.add_argument("--all", action="store_true", help="every message of the queue")
        action.set_defaults(handler=_dlq_act, verb=verb)

    purge = commands.add_parser(
        "purge", help="erase personal data of dossiers final for longer than the retention"
    )
    purge.set_defaults(handler=_purge)

    health = commands.add_parser(
        "health", help="broker, database and relay reachable, and every queue consumed"
    )
    health.add_argument("--json", action="store_true")
    health.set_defaults(handler=_health)

    verify_doc = commands.add_parser(
        "verify", help="check a work authorization (PDF) or its scanned seal code"
    )
    verify_doc.add_argument("file", nargs="?", type=Path, help="the authorization's PDF")
    verify_doc.add_argument("--code", help="the text of the scanned QR code instead")
    verify_doc.add_argument(
        "--cert", type=Path, help="the seal certificate to trust (default PERMIS_SEAL_CERT)"
    )
    verify_doc.add_argument("--json", action="store_true", help="print the answer as JSON")
    verify_doc.set_defaults(handler=_verify)

    desk = commands.add_parser(
        "desk", help="serve the verification desk: a web page and a JSON API over `verify`"
    )
    desk.add_argument("--host", help="the address to listen on (default PERMIS_DESK_HOST)")
    desk.add_argument("--port", type=int, help="the port (default PERMIS_DESK_PORT)")
    desk.add_argument(
        "--openapi", action="store_true", help="print the API's OpenAPI document and exit"
    )
    desk.set_defaults(handler=_desk)

    grant = commands.add_parser(
        "grant-desk",
        help="let a database role read only what the desk asks: documents' numbers and"
        " replacements (PostgreSQL)",
    )
    grant.add_argument("role", help="an existing role, the one the desk connects as")
    grant.set_defaults(handler=_grant_desk)

    keys = commands.add_parser("keys", help="development keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    generate = keys_commands.add_parser(
        "generate",
        help="write an Ed25519 key per platform, the decision keys file and a development seal",
    )
    generate.add_argument("--dir", type=Path, default=Path("permis-keys"))
    generate.add_argument(
        "--platform", action="append", dest="platforms", help="default: every platform"
    )
    generate.set_defaults(handler=_keys_generate)

    defs = commands.add_parser(
        "definitions", help="write the RabbitMQ definitions: topology and least-privilege users"
    )
    defs.add_argument("--vhost", default="permis")
    defs.add_argument("--out", type=Path, default=None, help="default: standard output")
    defs.set_defaults(handler=_definitions)

    schema = commands.add_parser("schema", help="write JSON Schema and AsyncAPI of the contract")
    schema.add_argument("--out", type=Path, default=None, help="default: messages/schema")
    schema.add_argument("--check", action="store_true", help="exit 1 if the files differ")
    schema.set_defaults(handler=_schema)
    return parser


def _process_names() -> tuple[str, ...]:
    from workers.core.stages import PROCESS_NAMES

    return PROCESS_NAMES


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from workers.core.stages import PROCESS_NAMES
    from workers.runner import stop_on_signals
    from workers.supervisor import supervise

    if not _can_start(PROCESS_NAMES, settings, "permis run"):
        return USAGE_ERROR
    return supervise(settings, stop_on_signals())


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.runner import run_process, stop_on_signals

    if not _can_start((args.stage,), settings, "permis worker"):
        return USAGE_ERROR
    run_process(args.stage, settings, stop_on_signals())
    return 0


def _can_start(names: Sequence[str], settings: Settings, command: str) -> bool:
    from workers.runner import configuration_problem

    problems = [p for p in (configuration_problem(n, settings) for n in names) if p]
    for problem in problems:
        print(f"{command}: {problem}", file=sys.stderr)
    return not problems


def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    from workers.supervisor import prepare

    prepare(settings)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from workers.demo.run import run_demo

    return run_demo(settings, sys.stdout, args.run_dir)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import check_body, check_number

    if args.number:
        answer = check_number(args.number)
        cli_text.print_answer(answer, args.json, cli_text.number_text)
        return 0 if answer["valid"] else 1
    if args.file is None:
        print("permis check: give a FILE or --number", file=sys.stderr)
        return USAGE_ERROR
    try:
        body = args.file.read_bytes()
    except OSError as exc:
        print(f"permis check: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return USAGE_ERROR
    answer = check_body(body, load_reference())
    cli_text.print_answer(answer, args.json, cli_text.check_text)
    return 0 if answer["outcome"] == "deposited" else 1


def _route(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import route_postcode

    answer = route_postcode(args.postcode, args.category, load_reference())
    cli_text.print_answer(answer, args.json, cli_text.route_text)
    return 0 if answer["platform"] else 1


def _routes(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.offline import routes_table

    cli_text.print_answer(routes_table(load_reference()), args.json, cli_text.routes_text)
    return 0


def _store(settings: Settings) -> Any:
    from workers.core.store import Store

    store = Store.from_url(settings.database_url)
    store.migrate()
    return store


def _dossier_show(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import show_dossier

    answer = show_dossier(_store(settings), args.number)
    if answer is None:
        print(f"no dossier {args.number}", file=sys.stderr)
        return 1
    cli_text.print_answer(answer, args.json, cli_text.dossier_text)
    return 0 if not answer["chain"] else 1


def _dossier_verify(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import verify_chains

    broken = verify_chains(_store(settings))
    for number, problems in broken.items():
        print(f"{number}: {'; '.join(problems)}")
    print("every history chain is intact" if not broken else f"{len(broken)} broken chain(s)")
    return 1 if broken else 0


def _document_reissue(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import reissue_document
    from workers.bootstrap import bootstrap
    from workers.core.clock import system_clock
    from workers.documents.replacement import NotReplaceable

    settings = settings.model_copy(update={"broker_url": settings.broker_url_or_default})
    pipeline = bootstrap(settings)
    try:
        pipeline.services.store.migrate()
        written, number = reissue_document(pipeline.services.store, args.number, system_clock())
        pipeline.services.relay.publish(written)
    except (LookupError, NotReplaceable) as exc:
        print(f"permis document reissue: {exc}", file=sys.stderr)
        return 1
    finally:
        pipeline.close()
    print(f"{number} will replace {args.number}; the documents stage issues and sends it")
    return 0


def _dlq_list(args: argparse.Namespace, settings: Settings) -> int:
    def answer(_queue: Any, dead_letters: Any) -> int:
        cli_text.print_answer(dead_letters.counts(), args.json, cli_text.dlq_counts_text)
        return 0

    return _on_dead_letters(None, settings, answer)


def _dlq_show(args: argparse.Namespace, settings: Settings) -> int:
    def answer(queue: Any, dead_letters: Any) -> int:
        letters = dead_letters.peek(queue, max(args.limit, 0))
        shown = {"queue": queue.name, "messages": [cli_text.dead_letter(m) for m in letters]}
        cli_text.print_answer(shown, args.json, cli_text.dlq_text)
        return 0

    return _on_dead_letters(args.queue, settings, answer)


def _dlq_act(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.ids) == args.all:
        print(f"permis dlq {args.verb}: give message ids or --all", file=sys.stderr)
        return USAGE_ERROR

    def act(queue: Any, dead_letters: Any) -> int:
        verb = dead_letters.replay if args.verb == "replay" else dead_letters.purge
        done = verb(queue, None if args.all else set(args.ids))
        print(f"{args.verb}: {done} message(s) of {queue.name}")
        return 0 if done or args.all else 1

    return _on_dead_letters(args.queue, settings, act)


def _on_dead_letters(name: str | None, settings: Settings, work: Any) -> int:
    """Run ``work(queue, dead_letters)``: exit 2 for an unknown queue, 1 if the broker fails."""
    from workers.core.deadletters import DeadLetters, dead_letter_queue
    from workers.core.errors import PermisError

    try:
        queue = dead_letter_queue(name) if name is not None else None
        return int(work(queue, DeadLetters(settings.broker_url_or_default)))
    except LookupError as exc:
        print(f"permis dlq: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except PermisError as exc:
        print(f"permis dlq: {exc}", file=sys.stderr)
        return 1


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import purge
    from workers.core.clock import system_clock

    counts = purge(_store(settings), system_clock(), settings.retention_years)
    print(
        f"erased the personal data of {counts['dossiers']} dossier(s)"
        f" and {counts['rejections']} rejected submission(s)"
    )
    return 0


def _keys_generate(args: argparse.Namespace, settings: Settings) -> int:
    from config.reference import load_reference
    from workers.decisions.keys import generate_keys
    from workers.seal.keys import generate_seal

    platforms = args.platforms or load_reference().platform_ids
    try:
        written = generate_keys(args.dir, platforms)
    except ValueError as exc:
        print(f"permis keys generate: {exc}", file=sys.stderr)
        return USAGE_ERROR
    for platform, path in written.private_keys.items():
        print(f"{platform}: private key {path} (the platform keeps it; never give it to Permis)")
    print(f"public keys: {written.keys_file}")
    seal = generate_seal(args.dir)
    print(f"seal: {seal.key_file} and its self-signed certificate {seal.cert_file}")
    print(f"export PERMIS_DECISION_KEYS={written.keys_file.resolve()}")
    print(f"export PERMIS_SEAL_KEY={seal.key_file.resolve()}")
    print(f"export PERMIS_SEAL_CERT={seal.cert_file.resolve()}")
    return 0


def _health(args: argparse.Namespace, settings: Settings) -> int:
    from workers.health import health

    checks = health(settings)
    answer = {
        "healthy": all(c.ok for c in checks),
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
    }
    cli_text.print_answer(answer, args.json, cli_text.health_text)
    return 0 if answer["healthy"] else 1


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from workers.admin import configured_store, superseded_lookup
    from workers.seal.keys import SealKeyError, load_certificate
    from workers.seal.verify import ReplacementQuestion, verify_code, verify_pdf

    if (args.file is None) == (args.code is None):
        print("permis verify: give a PDF file or --code, not both", file=sys.stderr)
        return USAGE_ERROR
    cert_path = args.cert or settings.seal_cert
    if cert_path is None:
        print("permis verify: no certificate: set PERMIS_SEAL_CERT or --cert", file=sys.stderr)
        return USAGE_ERROR
    try:
        certificate = load_certificate(cert_path)
        pdf = args.file.read_bytes() if args.file is not None else None
    except (SealKeyError, OSError) as exc:
        print(f"permis verify: {exc}", file=sys.stderr)
        return USAGE_ERROR

    store = configured_store(settings)
    replacement_of = ReplacementQuestion(
        superseded_lookup(store) if store is not None else None,
        lambda exc: print(f"permis verify: could not tell if superseded: {exc}", file=sys.stderr),
    )
    try:
        if pdf is not None:
            verdict = verify_pdf(pdf, certificate, replacement_of)
        else:
            verdict = verify_code(args.code, certificate, replacement_of)
    finally:
        if store is not None:
            store.dispose()
    cli_text.print_answer(verdict.as_json(), args.json, cli_text.verdict_text)
    return 0 if verdict.genuine else 1


def _grant_desk(args: argparse.Namespace, settings: Settings) -> int:
    from workers.core.errors import PermisError
    from workers.core.store import Store

    store = Store.from_url(settings.database_url)
    try:
        store.grant_replacement_lookup(args.role)
    except PermisError as exc:
        print(f"permis grant-desk: {exc}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
    print(f"{args.role} may read the documents' numbers and replacements, nothing else")
    return 0


def _desk(args: argparse.Namespace, settings: Settings) -> int:
    from workers.desk.app import create_app, openapi_text
    from workers.desk.serve import serve
    from workers.seal.keys import SealKeyError

    if args.openapi:
        print(openapi_text(), end="")
        return 0
    port = settings.desk_port if args.port is None else args.port
    if not 0 < port < 65536:
        print(f"permis desk: no port {port}", file=sys.stderr)
        return USAGE_ERROR
    try:
        app = create_app(settings)
    except SealKeyError as exc:
        print(f"permis desk: {exc}", file=sys.stderr)
        return USAGE_ERROR
    serve(app, args.host or settings.desk_host, port)
    return 0


def _definitions(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from workers.core.definitions import definitions, development_passwords

    document = definitions(args.vhost, development_passwords())
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from messages.schema import check_schema, write_schema

    out = args.out or Path(__file__).resolve().parents[1] / "messages" / "schema"
    if args.check:
        stale = check_schema(out)
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    for path in write_schema(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
