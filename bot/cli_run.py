"""`arcircle run` (the messengers on one clock, the console by default) and `arcircle serve`
(the one HTTP server for every enabled messenger's routes)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TextIO

from bot.adapters import registry
from bot.cli_common import Fail, _clock, _config
from bot.kernel.clock import Clock, ScaledClock, SystemClock
from bot.kernel.config import Config

# --- run ------------------------------------------------------------------------------------


def cmd_run(
    args: argparse.Namespace,
    base: Clock | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """`base`, `stdin`, `stdout`: the wall clock and the terminal (tests give their own)."""
    from bot.app import (
        StartError,
        build_runtime,
        ensure_sample,
        serve_console,
        unavailable_messengers,
    )

    config = _config(args)
    clock, note = _clock(args, config, base)
    rt = build_runtime(config, clock, args.database)
    if note is not None:
        speed = args.clock_speed or 1.0
        print(f"({note}; {speed:g}× speed)", file=sys.stderr)
    if not args.no_sample:
        loaded = ensure_sample(rt)
        if loaded is not None:
            print(
                f"(the ledger was empty: loaded the sample ledger, {loaded.created:,} invoices "
                f"of {loaded.customers_created:,} customers, dates moved to {rt.today()})",
                file=sys.stderr,
            )
    missing = unavailable_messengers(config)
    if missing:
        print(
            f"({', '.join(missing)}: enabled in the config but not available in this "
            "version; it is not started)",
            file=sys.stderr,
        )
    for plugin in registry.enabled(config):
        if not plugin.runs_in(config, "run"):
            mode = plugin.mode(config).upper()
            print(f"({plugin.name} is in {mode} mode: `arcircle serve` runs it)", file=sys.stderr)
        else:
            _require_env(config, plugin.name)
    if isinstance(clock, ScaledClock):
        clock.release()
    try:
        # A faster clock needs a faster tick, or escalations arrive minutes late in its time.
        speed = args.clock_speed or 1.0
        tick_every = config.circle.tick_every / speed if speed > 1 else None
        asyncio.run(serve_console(rt, stdin=stdin, stdout=stdout, tick_every=tick_every))
    except StartError as exc:
        raise Fail(f"arcircle run: {exc}", 1) from None
    except KeyboardInterrupt:
        pass
    finally:
        rt.db.dispose()
    return 0


def _require_env(config: Config, platform: str) -> None:
    from bot.app import missing_env

    missing = missing_env(config, platform, os.environ)
    if missing:
        raise Fail(f"{platform}: missing environment: {', '.join(missing)} (see arcircle doctor)")


def cmd_serve(args: argparse.Namespace) -> int:
    """Every enabled messenger on one HTTP server (and those with connections of their own)."""
    from bot.app import StartError, build_runtime, running_messengers, serve

    config = _config(args)
    names = running_messengers(config, "serve")
    if not any(registry.plugins()[n].takes_http(config) for n in names):
        hints = [h for p in registry.plugins().values() if (h := p.serve_hint())]
        raise Fail(
            "arcircle serve has no messenger that takes HTTP: "
            + "; or ".join(hints)
            + " (Socket Mode and polling run inside `arcircle run`)"
        )
    for name in names:
        _require_env(config, name)
    rt = build_runtime(config, SystemClock(), args.database, platforms=names)
    host, port = config.listen()
    try:
        asyncio.run(
            serve(
                rt,
                "serve",
                listen=(args.host or host, args.port or port),
                announce=lambda line: print(f"(arcircle serve: {line})", file=sys.stderr),
            )
        )
    except StartError as exc:
        raise Fail(f"arcircle serve: {exc}", 1) from None
    except KeyboardInterrupt:
        pass
    finally:
        rt.db.dispose()
    return 0
