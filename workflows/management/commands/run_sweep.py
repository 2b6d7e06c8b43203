"""Run one periodic sweep now, by hand, exactly as the beat would (the sweeps are idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run a sweep once: " + ", ".join(settings.SWEEPS) + ". 'all' runs every one, the outbox last."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the sweep to run, or 'all'")

    def handle(self, *args, name, **options):
        if name == "all":
            names = [n for n in settings.SWEEPS if n != "outbox"] + ["outbox"]
        elif name in settings.SWEEPS:
            names = [name]
        else:
            raise CommandError(f"No sweep called {name!r}. Choose one of: {', '.join(settings.SWEEPS)}, all.")
        for each in names:
            result = import_string(settings.SWEEPS[each])()
            self.stdout.write(f"{each}: {result}")
