"""The ``chatkit`` command: check your setup, run the sandbox, manage its keys.

    python -m chatkit doctor               is everything ready? what to fix?
    python -m chatkit serve                the sandbox, for any OpenAI client
    python -m chatkit serve --model F.gguf  ... and your own GGUF model too (repeatable)
    python -m chatkit keys create --save   a sandbox key, written to .env
    python -m chatkit exercises NOTEBOOK   run a notebook, report its exercises
    python -m chatkit batch IN.jsonl --out OUT.jsonl   many prompts at once (resumable)
    python -m chatkit bot serve            the support bot, answering chat platforms' callbacks
    python -m chatkit im serve             a local chat platform (Lanying IM, or --imitate feishu…) to try a bot on
    python -m chatkit classroom serve      a gateway for a class: one key per student, limits, usage
    python -m chatkit models pull NAME     a better local model for the sandbox (list, pull, remove)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import settings
from .config import chosen_models, data_dir, sandbox_models
from .display import columns, ljust
from .errors import ChatkitError
from .failures import explain
from .keys import mask_key, save_key
from .logs import FORMAT_VARIABLE, LEVEL_VARIABLE, LEVELS, configure
from .messages import say
from .serving import kill_as_ctrl_c

PROG = "python -m chatkit"
# Each command imports what only it needs inside its function, so `doctor` or `keys list` does
# not load the web server, the model or the batch runner first.


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code: 0 done, 1 a problem (explained), 2 a usage error.

    >>> main(["keys", "list", "--data-dir", "/tmp/chatkit-demo"])     # doctest: +SKIP
    No keys in /tmp/chatkit-demo yet. Create one with: python -m chatkit keys create
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else 2
    if args.run is None:
        args.parser.print_help()
        return 0
    try:
        return args.run(args)
    except ChatkitError as exc:
        print(say("cli.error", error=exc), file=sys.stderr)
        return 1
    except Exception as exc:
        found = explain(exc)
        if found.kind == "unknown":
            raise
        print(say("cli.error", error=found.line()), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(say("cli.interrupted"), file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="chatkit: learn the OpenAI API, offline first.",
                                     epilog=f"Start with: {PROG} doctor")
    parser.set_defaults(run=None, parser=parser)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data-dir", metavar="DIR",
                      help="the sandbox's data folder (default: CHATKIT_DATA_DIR, else your cache folder)")

    doctor = commands.add_parser("doctor", help="check Python, packages, .env, the key and the backend")
    doctor.add_argument("--no-call", action="store_true", help="skip the tiny test call")
    doctor.set_defaults(run=_doctor)

    serve = commands.add_parser("serve", parents=[data], help="run the sandbox server until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on; 0 picks a free one (default: 8765)")
    serve.add_argument("--model", type=_model_file, action="append", metavar="[ID=]PATH|NAME",
                       help="serve your own GGUF model file too, as model ID (default: the file's name in lower "
                            "case, without .gguf), or a pulled catalogue model by its NAME (see 'models list'; "
                            "CHATKIT_MODEL=NAME serves it too). Repeat for several: all are loaded at start and "
                            "take turns, one model generating at a time. Default: CHATKIT_SANDBOX_MODELS "
                            "(comma-separated)")
    limits = serve.add_argument_group("the platform's limits, imitated per key (all off by default)")
    limits.add_argument("--rpm", type=_count, metavar="N", help="requests per minute")
    limits.add_argument("--tpm", type=_count, metavar="N", help="tokens per minute (prompt + output limit)")
    limits.add_argument("--quota-tokens", type=_count, metavar="N", help="tokens a key may use in all")
    limits.add_argument("--latency-ms", type=_count, metavar="N", help="simulated network round trip per request")
    serve.set_defaults(run=_serve)

    keys = commands.add_parser("keys", help="create, list and revoke sandbox API keys")
    keys.set_defaults(parser=keys)
    actions = keys.add_subparsers(title="commands", metavar="COMMAND")
    create = actions.add_parser("create", parents=[data], help="make a key (shown once)")
    create.add_argument("--name", default="my key", help="a label to tell keys apart (default: 'my key')")
    create.add_argument("--save", nargs="?", const=".env", metavar="ENV_FILE",
                        help="write the key to ENV_FILE (default .env) instead of showing it")
    create.set_defaults(run=_keys_create)
    actions.add_parser("list", parents=[data], help="list keys (never in full)").set_defaults(run=_keys_list)
    revoke = actions.add_parser("revoke", parents=[data], help="revoke a key: it stops working at once")
    revoke.add_argument("key_id", metavar="KEY_ID", help="the key's id, as shown by 'keys list' (key_…)")
    revoke.set_defaults(run=_keys_revoke)
    _exercise_commands(commands)
    _batch_commands(commands)
    _bot_commands(commands)
    _im_commands(commands)
    _models_commands(commands)
    _classroom_commands(commands, data)
    return parser


def _classroom_commands(commands, data) -> None:
    from .classroom import cli  # the roster and the store only: the web server loads when `serve` runs

    classroom = commands.add_parser("classroom", help="run a class: one key per student, limits, every call recorded")
    classroom.set_defaults(parser=classroom)
    actions = classroom.add_subparsers(title="commands", metavar="COMMAND")
    hand_out = argparse.ArgumentParser(add_help=False)
    hand_out.add_argument("--keys-out", default=cli.KEYS_FILE, metavar="CSV",
                          help=f"where the new keys go, readable only by you (default: {cli.KEYS_FILE})")
    hand_out.add_argument("--base-url", metavar="URL", help="the class's base URL, written next to each key "
                          f"(default: http://127.0.0.1:{cli.PORT}/v1)")
    roster = actions.add_parser("roster", help="import the class list").add_subparsers(title="commands",
                                                                                         metavar="COMMAND")
    load = roster.add_parser("import", parents=[data, hand_out], help="add the students of a CSV (names, or id and "
                             "name columns); each new student gets a key")
    load.add_argument("file", metavar="FILE")
    load.set_defaults(run=cli.roster_import)
    keys = actions.add_parser("keys", help="list, revoke or rotate students' keys").add_subparsers(
        title="commands", metavar="COMMAND")
    keys.add_parser("list", parents=[data], help="every student's key (masked) and tokens used").set_defaults(
        run=cli.keys_list)
    for name, run, helps, parents in (("revoke", cli.keys_revoke, "stop a key at once", [data]),
                                      ("rotate", cli.keys_rotate, "replace a key with a new one", [data, hand_out])):
        action = keys.add_parser(name, parents=parents, help=helps)
        chosen = action.add_mutually_exclusive_group(required=True)
        chosen.add_argument("student", nargs="?", metavar="ID", help="the student's id, as 'keys list' shows it")
        chosen.add_argument("--all", action="store_true", help="every student of the class")
        action.set_defaults(run=run)
    serve = actions.add_parser("serve", parents=[data, _log_options()], help="run the class's gateway until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; another "
                       "address needs TLS in front: see chatkit/classroom/gateway.py)")
    serve.add_argument("--port", type=_port, default=cli.PORT, help=f"port to listen on (default: {cli.PORT})")
    serve.add_argument("--upstream", action="append", metavar="URL[,key=VARIABLE]",
                       help="an OpenAI-compatible base URL to forward to, with the variable (environment or .env) "
                            "holding its key; repeat for failover (default: the sandbox, started here)")
    limits = serve.add_argument_group("each student's limits (saved for the class; 0 turns one off)")
    limits.add_argument("--rpm", type=_count, metavar="N", help="requests per minute")
    limits.add_argument("--tpm", type=_count, metavar="N", help="tokens per minute (prompt + output limit)")
    limits.add_argument("--tokens-per-day", type=_count, metavar="N", help="tokens used per day (UTC)")
    limits.add_argument("--tokens-per-course", type=_count, metavar="N", help="tokens used in all")
    limits.add_argument("--spend-per-day", type=_amount, metavar="AMOUNT", help="money spent per day (UTC), priced "
                        "with chatkit/prices.json; only models priced in --currency or free can be called")
    limits.add_argument("--spend-per-course", type=_amount, metavar="AMOUNT", help="money spent in all")
    limits.add_argument("--currency", type=str.upper, choices=("USD", "CNY"),
                        help="the currency of the spend limits, never converted (default: USD)")
    limits.add_argument("--models", metavar="ID,ID", help="the models students may call (empty: any)")
    serve.set_defaults(run=_classroom_serve)
    board = actions.add_parser("dashboard", parents=[data], help="print a link to the teacher's dashboard with a new "
                                "admin token (the earlier one stops working)")
    board.add_argument("--base-url", metavar="URL", help=f"the class's base URL (default: http://127.0.0.1:{cli.PORT}/v1)")
    board.set_defaults(run=cli.dashboard)
    join = actions.add_parser("join", help="a student's notebooks use the class: its URL and your key go to .env "
                              "(the key is asked for, hidden, so it stays out of the shell's history)")
    join.add_argument("url", metavar="URL", help="the class's base URL, from your teacher")
    join.set_defaults(run=_classroom_join)


def _classroom_join(args) -> int:
    from .classroom.join import join

    return join(args)


def _classroom_serve(args) -> int:
    from .classroom.cli import serve

    configure(args.log_level, args.log_json)
    return serve(args)


def _batch_commands(commands) -> None:
    batch = commands.add_parser("batch", help="send many prompts from a JSONL file; results to another (resumable)")
    batch.add_argument("input", metavar="IN.jsonl",
                       help="one prompt per line: a JSON string, or an object with custom_id and prompt or messages")
    batch.add_argument("--out", required=True, metavar="OUT.jsonl", help="results, one per line; finished items "
                       "already there are skipped")
    batch.add_argument("--mode", choices=("runner", "batch-api"), default="runner",
                       help="runner: concurrent requests now (default); batch-api: the provider's Batch API")
    batch.add_argument("--concurrency", type=int, help="runner: requests in flight at most (default 8, or fewer if "
                                                        "the provider's entry tier allows fewer)")
    batch.add_argument("--rpm", type=float, help="runner: stay under this many requests per minute")
    batch.add_argument("--tpm", type=float, help="runner: stay under this many tokens per minute")
    batch.add_argument("--max-tokens", type=int, default=200, help="output limit per request (default 200)")
    batch.add_argument("--model", help="default: the backend's default model")
    batch.set_defaults(run=_batch)


def _batch(args) -> int:
    import asyncio
    import json

    from . import batch
    from .batch.jsonl import ResultsFile
    from .connect import connect, connect_async
    from .reasoning import limit_name

    try:
        lines = [line for line in Path(args.input).read_text(encoding="utf-8").splitlines() if line.strip()]
        prompts = [json.loads(line) for line in lines]
    except (OSError, ValueError) as exc:
        raise ChatkitError(say("cli.unreadable_prompts.what", input=args.input, error=exc),
                           fix=say("cli.unreadable_prompts.fix")) from None
    client = connect()
    limit = {limit_name(args.model or client.default_model): args.max_tokens}  # reasoning models: max_completion_tokens
    if args.mode == "runner":
        results = asyncio.run(batch.run_batch(connect_async(), prompts, model=args.model, out=args.out,
                                              concurrency=args.concurrency, rpm=args.rpm, tpm=args.tpm, **limit))
    else:
        done = batch.wait(client, batch.submit(client, prompts, model=args.model, **limit))
        results = batch.collect(client, done, prompts)
        with ResultsFile(args.out) as out:
            for result in results:
                out.add(result.as_dict())
    failed = [r for r in results if r.status != "ok"]
    print(say("cli.batch.done", done=len(results) - len(failed), total=len(results), failed=len(failed), out=args.out))
    for result in failed[:5]:
        print(f"  {result.id}: {result.error}")
    return 1 if failed else 0


def _bot_commands(commands) -> None:
    bot = commands.add_parser("bot", help="run the support bot inside chat platforms (Lanying, Feishu, DingTalk)")
    bot.set_defaults(parser=bot)
    actions = bot.add_subparsers(title="commands", metavar="COMMAND")
    serve = actions.add_parser("serve", parents=[_log_options()],
                               help="answer the platforms' message callbacks until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8787, help="port to listen on (default: 8787)")
    serve.set_defaults(run=_bot_serve)


def _log_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    logs = options.add_argument_group("the log (stderr)")
    logs.add_argument("--log-level", choices=LEVELS, help=f"least severe lines to log (default: ${LEVEL_VARIABLE}, "
                      "else warning: refused requests, failed deliveries, model errors)")
    logs.add_argument("--log-json", action="store_true", help=f"write JSON lines (or set {FORMAT_VARIABLE}=json)")
    return options


def _bot_serve(args) -> int:
    from .bot.service import serve

    configure(args.log_level, args.log_json)
    with kill_as_ctrl_c():
        return serve(args.host, args.port)


def _im_commands(commands) -> None:
    im = commands.add_parser("im", help="a local chat platform (imitates Lanying IM, Feishu, DingTalk…) to try a "
                             "bot on")
    im.set_defaults(parser=im)
    actions = im.add_subparsers(title="commands", metavar="COMMAND")
    serve = actions.add_parser("serve", parents=[_log_options()],
                               help="serve a chat page and the platform's bot API until Ctrl+C",
                               epilog="Secrets are printed masked; --env-file writes them in full (mode 0600).")
    serve.add_argument("--port", type=_port, default=8788, help="port to listen on (default: 8788)")
    serve.add_argument("--imitate", default="lanying", metavar="PLATFORM",
                       help="the platform to imitate: lanying (the default), feishu, dingtalk or wecom")
    serve.add_argument("--bot", metavar="URL", help="the bot's webhook, e.g. http://127.0.0.1:8787 "
                       "(the chatkit bot's route for the platform, /lanying/messages…, is added to a URL with no "
                       "path)")
    serve.add_argument("--env-file", metavar="PATH", help="write the bot's settings (LANYING_*…) in full to PATH "
                       "(readable only by you), reusing the credentials already saved there")
    serve.add_argument("--open", action="store_true", help="open the chat page in your web browser")
    serve.set_defaults(run=_im_serve)


def _im_serve(args) -> int:
    from .im.cli import serve

    configure(args.log_level, args.log_json)
    with kill_as_ctrl_c():
        return serve(args.port, args.bot, args.env_file, args.open, platform=args.imitate)


def _models_commands(commands) -> None:
    models = commands.add_parser("models", help="better local models for the sandbox: list, pull, remove")
    models.set_defaults(parser=models)
    actions = models.add_subparsers(title="commands", metavar="COMMAND")
    actions.add_parser("list", help="the catalogue: size, languages, licence, pulled or not").set_defaults(
        run=_models_list)
    pull = actions.add_parser("pull", help="download a model and verify its checksum (resumes if interrupted)",
                              epilog="Tries the HF_ENDPOINT mirror if set, then Hugging Face and ModelScope "
                                     "(ModelScope first for a Chinese-language learner).")
    pull.add_argument("name", metavar="NAME", help="a name from 'models list'")
    pull.set_defaults(run=_models_pull)
    remove = actions.add_parser("remove", help="delete a pulled model's file")
    remove.add_argument("name", metavar="NAME", help="a name from 'models list'")
    remove.set_defaults(run=_models_remove)


def _models_list(args) -> int:
    from . import hub

    rows = [tuple(say(f"hub.column.{column}") for column in ("name", "size", "languages", "licence", "pulled"))]
    between = say("hub.language.between")
    rows += [(e.name, hub.size_text(e.size), between.join(say(f"hub.language.{lang}") for lang in e.languages),
              e.licence, say("hub.yes" if hub.pulled(e.name) else "hub.no")) for e in hub.catalogue().values()]
    print(say("hub.list", folder=hub.models_dir()))
    print(_table(rows))
    print(say("hub.list.how", prog=PROG))
    return 0


def _models_pull(args) -> int:
    from . import hub

    hub.pull(args.name)
    return 0


def _models_remove(args) -> int:
    from . import hub

    freed = hub.remove(args.name)  # an unknown name stops here, with the names to use
    size = hub.size_text(hub.catalogue()[args.name].size)
    print(say("hub.removed", name=args.name, size=size, path=freed) if freed else say("hub.not_pulled", name=args.name))
    return 0


def _exercise_commands(commands) -> None:
    exercises = commands.add_parser("exercises", help="run notebooks and report their exercises (for teachers)")
    exercises.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="a learner's .ipynb file")
    exercises.add_argument("--solutions", action="store_true",
                           help="fill in the reference solutions first: every check should pass")
    exercises.set_defaults(run=_exercises)


def _exercises(args) -> int:
    from .exercises import run_notebook

    passed = True
    for path in args.notebooks:
        if not Path(path).is_file():
            raise ChatkitError(say("cli.no_notebook.what", path=path), fix=say("cli.no_notebook.fix"))
        print(Path(path).name)
        for name, verdict in run_notebook(path, solutions=args.solutions):
            print(f"  {name:24} {verdict}")
            passed = passed and verdict.startswith("✓")
    return 0 if passed else 1


def _count(text: str) -> int:
    """A whole number of at least 0, for argparse."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(say("cli.not_a_count", text=text))
    return int(text)


def _amount(text: str) -> float:
    """An amount of money of at least 0 (``2``, ``0.50``), for argparse."""
    try:
        amount = float(text)
    except ValueError:
        amount = -1.0
    if not 0 <= amount < float("inf"):
        raise argparse.ArgumentTypeError(say("cli.not_an_amount", text=text))
    return amount


def _model_file(text: str):
    """A ``--model`` value, ``PATH`` or ``ID=PATH``, for argparse (the file is checked when the sandbox starts)."""
    from .sandbox.models import ModelFile

    try:
        return ModelFile.parse(text)
    except ChatkitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    """A TCP port number, for argparse."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(say("cli.not_a_port", text=text))
    return int(text)


# --- doctor -----------------------------------------------------------------------

def _doctor(args) -> int:
    from .doctor import diagnose

    report = diagnose(call=not args.no_call)
    print(report)
    return 0 if report.ok else 1


# --- serve ------------------------------------------------------------------------

def _serve(args) -> int:
    from .sandbox.limits import Limits
    from .sandbox.models import wanted
    from .sandbox.server import Sandbox

    limits = Limits(rpm=args.rpm, tpm=args.tpm, quota_tokens=args.quota_tokens, latency_ms=args.latency_ms)
    models = wanted(sandbox_models() if args.model is None else args.model, chosen_models())
    box = Sandbox.start(data_dir=args.data_dir, host=args.host, port=args.port, limits=limits, models=models)
    with kill_as_ctrl_c():
        try:
            _announce(box, args.data_dir)
            # Sandbox serves from a daemon thread; wait on it so a crashed server ends the command.
            while not box.wait(timeout=0.5):  # short waits let Ctrl+C through
                pass
        except KeyboardInterrupt:
            pass
        finally:
            box.stop()
    print(say("cli.serve.stopped"), flush=True)
    return 0


def _announce(box, data_dir: str | None) -> None:
    keys_create = f"{PROG} keys create" + (f" --data-dir {data_dir}" if data_dir else "")
    print(say("cli.serve.serving", models=", ".join(box.models.ids), url=box.base_url, data=box.store.path.parent),
          flush=True)
    print(say("cli.serve.settings", url=box.base_url, command=keys_create), flush=True)
    if box.limits.active:
        print(say("cli.serve.limits", limits=box.limits), flush=True)


# --- keys -------------------------------------------------------------------------

def _store(args):
    from .sandbox.store import Store

    return Store(data_dir(args.data_dir))


def _keys_create(args) -> int:
    store = _store(args)
    env_file = Path(args.save) if args.save else None
    if env_file:
        _refuse_to_replace(env_file)
    key, info = store.create_key(args.name)
    if env_file is None:
        print(say("cli.keys.created_shown", id=info.id, name=info.name, folder=store.path.parent, key=key))
        print(say("cli.keys.copy_now"))
        print(say("cli.keys.save_instead", prog=PROG))
        return 0
    path = _save(store, key, info, env_file)
    print(say("cli.keys.created", id=info.id, name=info.name, masked=info.masked))
    print(say("cli.keys.saved", path=path))
    return 0


def _refuse_to_replace(env_file: Path) -> None:
    """Stop before a sandbox key overwrites a real key in the same file."""
    old = settings.dotenv(env_file).get("OPENAI_API_KEY")
    if old and not old.startswith("sk-sandbox-"):
        raise ChatkitError(say("cli.would_replace.what", env_file=env_file, masked=mask_key(old)),
                           fix=say("cli.would_replace.fix"))


def _save(store, key: str, info, env_file: Path) -> Path:
    try:
        return save_key(key, env_file)
    except OSError as exc:
        store.revoke_key(info.id)  # nobody will ever see this key: do not leave it active
        raise ChatkitError(say("cli.cannot_write.what", env_file=env_file, reason=exc.strerror),
                           fix=say("cli.cannot_write.fix")) from None


def _keys_list(args) -> int:
    store = _store(args)
    keys = store.list_keys()
    if not keys:
        print(say("cli.keys.none", folder=store.path.parent, prog=PROG))
        return 0
    rows = [("ID", *(say(f"cli.keys.column.{name}") for name in ("name", "key", "created", "status")))]
    rows += [(k.id, k.name, k.masked, _date(k.created_at), say("cli.keys.active" if k.active else "cli.keys.revoked"))
             for k in keys]
    print(say("cli.keys.list", folder=store.path.parent))
    print(_table(rows))
    return 0


def _keys_revoke(args) -> int:
    store = _store(args)
    found = next((k for k in store.list_keys() if k.id == args.key_id), None)
    if found is None:
        # Someone may paste the key itself: never echo it.
        shown = mask_key(args.key_id) if args.key_id.startswith("sk-") else repr(args.key_id)
        raise ChatkitError(say("cli.no_such_key.what", shown=shown, folder=store.path.parent),
                           fix=say("cli.no_such_key.fix", prog=PROG))
    if not found.active:
        print(say("cli.keys.already_revoked", id=found.id, masked=found.masked, date=_date(found.revoked_at)))
        return 0
    store.revoke_key(found.id)
    print(say("cli.keys.revoked_now", id=found.id, name=found.name, masked=found.masked))
    return 0


def _date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _table(rows: list[tuple[str, ...]]) -> str:
    """Rows as left-aligned columns, two spaces apart (a Chinese character is two columns wide)."""
    widths = [max(columns(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(ljust(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


if __name__ == "__main__":
    sys.exit(main())
