"""The ``ilios`` command: convert files, run batches, read usage, check health.

    ilios convert FILE... [-o DIR] [--format md|json]
    ilios batch submit FILE... [--priority N] [--retention-days N] [--wait]
    ilios batch status ID
    ilios batch download ID [-o FILE] [--format jsonl|json]
    ilios usage [--since DATE] [--until DATE]
    ilios health

The server is ``--target`` or ``ILIOS_TARGET`` (default 127.0.0.1:50051); the
key is ``--api-key`` or ``ILIOS_API_KEY``. ``--json`` prints machine-readable
results on stdout. Where the service is installed too, ``ilios serve``,
``server``, ``gateway``, ``worker`` and ``sweep`` run it.

Exit codes: 0 success, 1 some documents failed, 2 bad usage or bad request,
3 server unreachable, 4 not authorised, 5 not found.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

from google.protobuf.json_format import MessageToDict

from ilios import errors
from ilios.client._client import IliosClient
from ilios.markdown import join_pages
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2

SERVICE_COMMANDS = ("serve", "server", "gateway", "worker", "sweep")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_AUTH, EXIT_NOT_FOUND = range(6)
BATCH_STATES = {
    pb.BATCH_STATE_QUEUED: "queued",
    pb.BATCH_STATE_PROCESSING: "processing",
    pb.BATCH_STATE_COMPLETED: "completed",
}


def exit_code(error: errors.IliosError) -> int:
    if isinstance(error, errors.Unauthenticated):
        return EXIT_AUTH
    if isinstance(error, errors.NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, errors.TransientError):
        return EXIT_UNAVAILABLE
    if isinstance(error, errors.InvalidRequest | errors.FileTooLarge | errors.ConversionFailed):
        return EXIT_USAGE
    return EXIT_FAILED


def as_dict(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


@contextlib.contextmanager
def bar(total: int, label: str, enabled: bool) -> Iterator[Any]:
    """A tqdm progress bar on stderr (a no-op when disabled or not a terminal)."""
    from tqdm import tqdm

    with tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        leave=False,
        disable=not enabled or not sys.stderr.isatty(),
    ) as progress:
        yield progress


# --- commands ---------------------------------------------------------------------


def cmd_convert(client: IliosClient, args: argparse.Namespace) -> int:
    out_dir = pathlib.Path(args.output) if args.output else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    results = []
    for name in args.files:
        path = pathlib.Path(name)
        try:
            with bar(path.stat().st_size, f"upload {path.name}", not args.json) as progress:
                conversion = client.convert(
                    path, progress=progress.update, languages=_languages(args.languages)
                )
                pages = list(conversion)
        except errors.IliosError as exc:
            failed += 1
            results.append({"file": name, "error": exc.message, "reason": exc.reason})
            print(f"ilios: {name}: {exc.message} ({exc.reason})", file=sys.stderr)
            if isinstance(exc, errors.Unauthenticated | errors.TransientError):
                return exit_code(exc)
            continue
        except OSError as exc:
            failed += 1
            results.append({"file": name, "error": str(exc), "reason": "FILE_NOT_READABLE"})
            print(f"ilios: {name}: {exc}", file=sys.stderr)
            continue
        doc = conversion.document
        assert doc is not None
        if args.format == "json":
            text = json.dumps(
                {
                    "id": doc.id,
                    "file": name,
                    "pages": [as_dict(p) for p in pages],
                    "document": as_dict(doc),
                },
                indent=2,
            )
        else:
            text = _joined(pages)
        if out_dir:
            target = out_dir / (path.stem + (".json" if args.format == "json" else ".md"))
            target.write_text(text)
            results.append({"file": name, "id": doc.id, "pages": len(pages), "output": str(target)})
            if not args.json:
                print(f"{name} -> {target} ({len(pages)} pages)", file=sys.stderr)
        else:
            results.append({"file": name, "id": doc.id, "pages": len(pages)})
            if not args.json:
                print(text)
    if args.json:
        print(json.dumps(results, indent=2))
    return EXIT_FAILED if failed else EXIT_OK


def _joined(pages: list[Any]) -> str:
    return join_pages((p.number, p.markdown) for p in pages)


def cmd_batch_submit(client: IliosClient, args: argparse.Namespace) -> int:
    total = sum(pathlib.Path(f).stat().st_size for f in args.files)
    with bar(total, "upload", not args.json) as progress:
        reply = client.submit_batch(
            args.files,
            priority=args.priority,
            retention_days=args.retention_days,
            progress=progress.update,
            languages=_languages(args.languages),
        )
    batch = reply.batch
    if not args.wait:
        _print_batch(batch, args.json)
        return EXIT_OK
    from tqdm import tqdm

    with tqdm(
        total=batch.progress.total,
        desc="converting",
        unit="doc",
        leave=False,
        disable=args.json or not sys.stderr.isatty(),
    ) as docs:

        def advance(current: pb.Batch) -> None:
            done = current.progress.completed + current.progress.failed
            docs.update(done - docs.n)

        batch = client.wait(batch.id, on_progress=advance)
    _print_batch(batch, args.json)
    return EXIT_FAILED if batch.progress.failed else EXIT_OK


def _print_batch(batch: pb.Batch, as_json: bool) -> None:
    if as_json:
        print(json.dumps(as_dict(batch), indent=2))
        return
    p = batch.progress
    print(
        f"batch {batch.id}: {BATCH_STATES.get(batch.state, '?')} — {p.total} documents, "
        f"{p.completed} completed, {p.failed} failed, {p.pending + p.processing} to go"
    )


def cmd_batch_status(client: IliosClient, args: argparse.Namespace) -> int:
    _print_batch(client.batch(args.batch_id), args.json)
    return EXIT_OK


def cmd_batch_download(client: IliosClient, args: argparse.Namespace) -> int:
    out = open(args.output, "w") if args.output else sys.stdout
    try:
        lines = []
        for item in client.download(args.batch_id):
            line = {
                "id": item.document.id,
                "fileName": item.document.file_name,
                "status": _doc_state(item.document.state),
            }
            if item.document.error.reason:
                line.update(error=item.document.error.message, reason=item.document.error.reason)
            else:
                line["content"] = item.markdown
            if args.format == "jsonl":
                out.write(json.dumps(line) + "\n")
            else:
                lines.append(line)
        if args.format == "json":
            json.dump({"batchId": args.batch_id, "documents": lines}, out, indent=2)
            out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_OK


def _doc_state(state: int) -> str:
    name = document_pb2.DocumentState.Name(state)
    return name.removeprefix("DOCUMENT_STATE_").lower()


def _date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cmd_usage(client: IliosClient, args: argparse.Namespace) -> int:
    totals = client.usage(_date(args.since), _date(args.until))
    if args.json:
        print(
            json.dumps(as_dict(totals) | {"total_cost_micros": totals.total_cost_micros}, indent=2)
        )
    else:
        dollars = totals.total_cost_micros / 1_000_000
        print(
            f"{totals.documents} documents, {totals.pages} pages, "
            f"{totals.input_tokens + totals.output_tokens} tokens, ${dollars:.6f}"
        )
    return EXIT_OK


def cmd_health(client: IliosClient, args: argparse.Namespace) -> int:
    ok = client.health()
    if args.json:
        print(json.dumps({"target": client.target, "serving": ok}))
    else:
        print(f"{client.target}: {'SERVING' if ok else 'NOT SERVING'}")
    return EXIT_OK if ok else EXIT_UNAVAILABLE


# --- parsing ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ilios", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--target",
        default=os.environ.get("ILIOS_TARGET"),
        help="server host:port (ILIOS_TARGET; default 127.0.0.1:50051)",
    )
    parser.add_argument("--api-key", default=None, help="API key (ILIOS_API_KEY)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    convert = sub.add_parser("convert", help="convert files to Markdown")
    convert.add_argument("files", nargs="+")
    convert.add_argument("-o", "--output", help="write one file per input into this folder")
    convert.add_argument("--format", choices=("md", "json"), default="md")
    convert.add_argument("--languages", default="", help="OCR languages: eng,deu (frk: Fraktur)")
    convert.set_defaults(run=cmd_convert)

    batch = sub.add_parser("batch", help="submit and follow batches").add_subparsers(
        dest="batch_command", required=True
    )
    submit = batch.add_parser("submit", help="queue files as one batch")
    submit.add_argument("files", nargs="+")
    submit.add_argument("--priority", type=int, default=0, help="1 (low) to 10 (high)")
    submit.add_argument("--retention-days", type=int, default=0)
    submit.add_argument("--languages", default="", help="OCR languages: eng,deu (frk: Fraktur)")
    submit.add_argument("--wait", action="store_true", help="wait until every file is done")
    submit.set_defaults(run=cmd_batch_submit)
    status = batch.add_parser("status", help="a batch's progress")
    status.add_argument("batch_id")
    status.set_defaults(run=cmd_batch_status)
    download = batch.add_parser("download", help="a finished batch's results")
    download.add_argument("batch_id")
    download.add_argument("-o", "--output", help="file to write (default: stdout)")
    download.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    download.set_defaults(run=cmd_batch_download)

    usage = sub.add_parser("usage", help="pages and cost over a date range")
    usage.add_argument("--since", help="ISO 8601 date or time")
    usage.add_argument("--until", help="ISO 8601 date or time")
    usage.set_defaults(run=cmd_usage)

    health = sub.add_parser("health", help="is the server serving?")
    health.set_defaults(run=cmd_health)

    if importlib.util.find_spec("ilios.cli") is not None:
        for name in SERVICE_COMMANDS:
            sub.add_parser(
                name, help=f"run the service: {name} (see `ilios {name} --help`)", add_help=False
            )
    return parser


def _languages(raw: str) -> list[str]:
    return [code.strip() for code in raw.split(",") if code.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SERVICE_COMMANDS and importlib.util.find_spec("ilios.cli"):
        from ilios.cli import main as service_main

        return service_main(argv)
    args = build_parser().parse_args(argv)
    try:
        with IliosClient(args.target, api_key=args.api_key) as client:
            return int(args.run(client, args))
    except errors.IliosError as exc:
        print(f"ilios: {exc.message} ({exc.reason})", file=sys.stderr)
        return exit_code(exc)
    except (OSError, TimeoutError) as exc:
        print(f"ilios: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
