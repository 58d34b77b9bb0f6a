"""The `loket` command: `serve` (CONTRACT section 1), `user` administration and
`voicepack build`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from loket.server.archive.url import check_archive
from loket.server.config import ConfigError, load_sites
from loket.server.domain.errors import NotFound
from loket.server.domain.site import Site
from loket.server.errors import ServiceError
from loket.server.hub import Hub
from loket.server.logs import log_config
from loket.server.password_rules import password_problem
from loket.server.reload_signal import SignalReloads
from loket.server.service import LoketService
from loket.server.settings import Settings
from loket.server.store import is_shared, open_store
from loket.server.transport.serve import bounded_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loket", description="Queue calling and hall displays.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--config", help="site TOML file (env LOKET_CONFIG; default: demo site)")
    serve.add_argument("--host", help="address to listen on (env LOKET_HOST; 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (env PORT; 8000; 0 picks a free one)")
    serve.add_argument(
        "--store",
        help="sqlite:///PATH, redis://HOST:PORT/DB or redis+sentinel://… (env LOKET_STORE)",
    )
    serve.add_argument(
        "--archive",
        help="postgresql://USER@HOST/DB: the archive of a redis:// store's events, for "
        "reports (env LOKET_ARCHIVE)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes (env LOKET_WORKERS; 1); more than one needs a redis:// store",
    )
    serve.add_argument(
        "--trusted-proxies",
        help="addresses or networks of the proxies whose X-Forwarded-Proto/-For are believed "
        '(env LOKET_TRUSTED_PROXIES; 127.0.0.1,::1; "" for none)',
    )
    serve.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # a worker's inherited socket

    user = commands.add_parser("user", help="manage staff users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", choices=["staff", "supervisor", "admin"], default="staff")
    add.add_argument(
        "--counter",
        action="append",
        metavar="SITE/COUNTER",
        help="limit the user to this counter (repeat for several; default: every counter)",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = user_commands.add_parser("list", help="list users")
    passwd = user_commands.add_parser(
        "passwd",
        help="set a user's password (asked twice; read from stdin when it is not a terminal)",
    )
    disable = user_commands.add_parser("disable", help="stop a user logging in; end its sessions")
    enable = user_commands.add_parser("enable", help="let a disabled user log in again")
    delete = user_commands.add_parser("delete", help="delete a user and end its sessions")
    for sub in (passwd, disable, enable, delete):
        sub.add_argument("username")
    for sub in (add, listing, passwd, disable, enable, delete):
        sub.add_argument("--config", help="site TOML file (env LOKET_CONFIG)")
        sub.add_argument("--store", help="store URL (env LOKET_STORE)")

    voicepack = commands.add_parser("voicepack", help="recorded voice clips for announcements")
    pack_commands = voicepack.add_subparsers(dest="voicepack_command", required=True)
    build = pack_commands.add_parser("build", help="write a whole voice pack spoken by espeak-ng")
    build.add_argument("--lang", required=True, help="the language, e.g. id")
    build.add_argument("--out", default="voicepacks", help="folder of packs (./voicepacks)")
    build.add_argument("--config", help="site TOML file (env LOKET_CONFIG; default: demo site)")
    build.add_argument("--site", help="the site whose announcements it covers (if several)")
    build.add_argument("--force", action="store_true", help="overwrite an existing pack")
    return parser


def _config_error(error: ConfigError) -> int:
    print(f"loket: configuration error: {error}", file=sys.stderr)
    return 2


def _urls(host: str, port: int, sites: tuple[Site, ...]) -> str:
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    lines = [f"Loket is ready at {base}/"]
    for site in sites:
        lines += [
            f"  {site.id}: display  {base}/display/{site.id}",
            f"  {site.id}: kiosk    {base}/kiosk/{site.id}",
            f"  {site.id}: counter  {base}/counter/{site.id}/{site.counters[0].id}"
            + (f"  (…/{site.counters[-1].id})" if len(site.counters) > 1 else ""),
            f"  {site.id}: rating   {base}/rate/{site.id}/{site.counters[0].id}"
            + (f"  (…/{site.counters[-1].id})" if len(site.counters) > 1 else ""),
            f"  {site.id}: live     {base}/live/{site.id}",
            f"  {site.id}: reports  {base}/reports/{site.id}",
        ]
    lines.append(f"  admin             {base}/admin")
    return "\n".join(lines)


def _settle_memory() -> None:
    """Keep the garbage collector from pausing the event loop for long.

    What start-up loaded lives as long as the process: freeze it out of the collector's
    scans. A young generation of 10,000 objects makes full collections rarer without
    making each young collection long (at 50,000 one took 12-16 ms; at 10,000 none
    measured over 5 ms under load).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)


async def _serve(settings: Settings, sites: tuple[Site, ...], fd: int | None = None) -> int:
    """One server process; `fd`: a socket inherited from `loket serve --workers` (which
    prints the addresses itself)."""
    from loket.server.app import create_app

    try:
        app = create_app(settings, sites)
    except ConfigError as error:  # e.g. a broken voice pack, read as the app is made
        return _config_error(error)
    config = bounded_config(  # websockets-sansio and httptools, bounded (issue 14)
        app,
        settings,
        host=settings.host,
        port=settings.port,
        fd=fd,  # uvicorn serves on it instead of binding host and port
        ws_per_message_deflate=False,  # tiny frames: compression costs CPU and memory
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        ws_max_size=64 * 1024,
        lifespan="on",
        timeout_graceful_shutdown=5,
        log_config=log_config(),
        log_level="info",
        access_log=False,  # a line per request cost 10% of call-next throughput
        backlog=4096,  # a city's worth of TVs reconnecting at once must not be turned away
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the signal it shut down for once it is done; a clean stop
    # should end with status 0, not with a death by SIGTERM or a KeyboardInterrupt
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a reload asked before start-up: too soon
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        _settle_memory()
        reloads = SignalReloads(app.state.service)
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reloads.asked)
        if fd is None:
            port = server.servers[0].sockets[0].getsockname()[1]
            print(_urls(settings.host, port, sites), flush=True)
    try:
        await task
    except SystemExit as failed:  # uvicorn exits this way when it cannot bind
        return int(failed.code or 1)
    return 0 if server.started else 1


def _new_password(username: str, from_stdin: bool, twice: bool) -> str:
    """From stdin (one line) when asked or when it is not a terminal, else typed twice."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"Password for {username}: ")
    if twice and getpass.getpass("The same again: ") != password:
        raise UserError("the two passwords differ; nothing was changed")
    return password


class UserError(Exception):
    """A `loket user` command that cannot be done; its message is for the person."""


async def _user_command(args: argparse.Namespace, service: LoketService) -> str | None:
    """Do one `loket user` command; what to print (None: printed already)."""
    name = getattr(args, "username", "")
    match args.user_command:
        case "list":
            for user in await service.users():
                limits = "every counter" if user.counters is None else ", ".join(user.counters)
                state = "\tdisabled" if user.disabled else ""
                print(f"{user.username}\t{user.role.value}\t{limits}{state}")
            return None
        case "add":
            password = _new_password(name, args.password_stdin, twice=False)
            user = await service.add_user(name, password, args.role, args.counter)
            return f"Created {user.role.value} user {user.username!r}."
        case "passwd":
            if name not in {user.username for user in await service.users()}:
                raise NotFound("user", name)  # before the password is typed
            await service.change_user(name, password=_new_password(name, False, twice=True))
            return f"Changed the password of {name!r}; its sessions have ended."
        case "disable":
            await service.change_user(name, disabled=True)
            return f"Disabled {name!r}; its sessions have ended."
        case "enable":
            await service.change_user(name, disabled=False)
            return f"Enabled {name!r}."
        case "delete":
            await service.delete_user(name)
            return f"Deleted {name!r}; its sessions have ended."
    raise AssertionError(args.user_command)


async def _user(args: argparse.Namespace, settings: Settings, sites: tuple[Site, ...]) -> int:
    service = LoketService(sites, open_store(settings.store), Hub())
    await service.start()
    try:
        said = await _user_command(args, service)
    except (ServiceError, NotFound) as refused:
        print(f"loket: {refused.message}", file=sys.stderr)
        return 2
    except UserError as refused:
        print(f"loket: {refused}", file=sys.stderr)
        return 2
    finally:
        await service.stop()
    if said:
        print(said)
    return 0


def _weak_admin_password(settings: Settings) -> int | None:
    """A weak LOKET_ADMIN_PASSWORD stops start-up (CONTRACT 6.6): exit status 2."""
    if settings.admin_password is None:
        return None
    problem = password_problem(settings.admin_password, "admin")
    if problem is None:
        return None
    print(
        f"loket: LOKET_ADMIN_PASSWORD is refused: {problem[1]} "
        "Choose another (it is used only when the store has no user 'admin' yet).",
        file=sys.stderr,
    )
    return 2


def _serve_workers(settings: Settings, sites: tuple[Site, ...], argv: Sequence[str]) -> int:
    from loket.server.workers import Workers

    if not is_shared(settings.store):
        print(
            "loket: --workers needs a shared store (--store redis://HOST:PORT/DB or "
            "redis+sentinel://…): an SQLite file serves one process",
            file=sys.stderr,
        )
        return 2
    # the workers get the same options, less those this process handles
    passed, skip = [], False
    for arg in list(argv)[1:]:  # [0] is "serve"
        if skip:
            skip = False
        elif arg in ("--workers", "--host", "--port"):
            skip = True
        elif not arg.startswith(("--workers=", "--host=", "--port=")):
            passed.append(arg)
    workers = Workers(settings.workers, passed)
    return workers.run(
        settings.host,
        settings.port,
        lambda port: print(_urls(settings.host, port, sites), flush=True),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            config=args.config,
            store=getattr(args, "store", None),
            archive=getattr(args, "archive", None),
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            workers=getattr(args, "workers", None),
            trusted_proxies=getattr(args, "trusted_proxies", None),
        )
        is_shared(settings.store)  # a store URL that cannot work stops start-up here
        check_archive(settings.store, settings.archive)  # ditto an archive's
        sites = load_sites(settings.config)
    except ConfigError as error:
        return _config_error(error)
    except ValueError as error:
        print(f"loket: {error}", file=sys.stderr)
        return 2
    if args.command == "serve":
        refused = None if args.fd is not None else _weak_admin_password(settings)
        if refused is not None:
            return refused
        if settings.workers > 1 and args.fd is None:
            return _serve_workers(settings, sites, argv if argv is not None else sys.argv[1:])
        return asyncio.run(_serve(settings, sites, args.fd))
    if args.command == "voicepack":
        from loket.server.announce.voicepack_build import build

        return build(sites, args.site, args.lang, Path(args.out), args.force, settings.config)
    return asyncio.run(_user(args, settings, sites))


if __name__ == "__main__":
    sys.exit(main())
