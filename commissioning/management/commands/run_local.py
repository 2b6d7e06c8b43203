"""Run the web server, a Celery worker and the beat together, for a first look on one machine (`make run`)."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server, one Celery worker and the beat; stop them all with Ctrl+C."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, address, **options):
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", address, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "config.celery_app",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            "beat": [python, "-m", "celery", "-A", "config.celery_app", "beat", "--loglevel=INFO"],
        }
        processes = {name: subprocess.Popen(cmd, env=os.environ.copy()) for name, cmd in commands.items()}  # noqa: S603
        self.stdout.write(f"Started {', '.join(f'{n} (pid {p.pid})' for n, p in processes.items())}.")
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                ended = [name for name, process in processes.items() if process.poll() is not None]
                if ended:
                    self.stderr.write(f"{', '.join(ended)} stopped; stopping the rest.")
                    break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
