"""The command line of the benchmarks and drills, `python -m benchmarks bench|drills|sweeps|data ...` (what `make
bench`, `make drills` and `make bench-sweeps` run). Each command is a module with `HELP`, `add_arguments(parser)`
and `handle(options, write)`.

Django is set up first, with `config.settings.local` unless DJANGO_SETTINGS_MODULE says otherwise (the processes
the benchmarks and drills start for themselves say `config.settings.production`). A command that fails exits
non-zero with its reason on standard error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

COMMANDS = {
    "bench": "benchmarks.bench.command",
    "drills": "benchmarks.drills.command",
    "sweeps": "benchmarks.sweeps.command",
    "data": "benchmarks.data.command",
}


def write(line: str = "") -> None:
    print(line, flush=True)


def parser_for(commands: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(commands) + "}")
    for name, module in commands.items():
        first_line = module.HELP.split(". ")[0].rstrip(".") + "."
        sub = subcommands.add_parser(name, help=first_line, description=module.HELP)
        module.add_arguments(sub)
    return parser


def run(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = write) -> None:
    """Parse the command line and run the command, in a process where Django is set up; CommandError if it fails."""
    from importlib import import_module

    commands = {name: import_module(path) for name, path in COMMANDS.items()}
    options = parser_for(commands).parse_args(argv)
    commands[options.command].handle(options, out)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.core.management.base import CommandError

    django.setup()
    try:
        run(argv)
    except CommandError as exc:
        print(f"CommandError: {exc}", file=sys.stderr, flush=True)
        return exc.returncode
    return 0
