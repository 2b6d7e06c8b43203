"""Each size's database: created, migrated and filled by `python -m benchmarks data` on the first run, reused by
later runs while it still holds the data of that scale and seed."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmarks import stack

from .report import database_name, size_label


class Databases:
    """The `Bench`'s databases (a mixin: `Bench` has the options, the output folder and the environments)."""

    def prepare_database(self, scale: float) -> tuple[dict, str]:
        """The size's database, migrated and filled: (the data command's JSON, "reused" or "generated ...")."""
        import psycopg
        from psycopg import sql

        name = database_name(scale)
        data_path = self.out / f"data-{size_label(scale)}.json"
        with psycopg.connect(self.admin_url(), autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
            stored = None
            if exists and not self.options.fresh:
                stored = self.reusable(scale, name, data_path)
            if stored is not None:
                self.write(f"  {name}: reusing its data (scale {scale:g}, seed {self.options.seed})")
            elif exists:
                why = "--fresh" if self.options.fresh else "its data is not this scale and seed, or is incomplete"
                self.write(f"  {name}: dropping it ({why})")
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = False
            if not exists:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.write(f"  {name}: created")
        env = self.env(name, stack.free_port())
        started = time.monotonic()
        stack.manage(env, "migrate", "--no-input", "-v", "0")
        self.write(f"  {name}: migrated ({time.monotonic() - started:.1f} s)")
        if stored is not None:
            return stored, "reused"
        started = time.monotonic()
        data_path.unlink(missing_ok=True)
        stack.benchmark(
            env,
            "data",
            "--scale",
            f"{scale:g}",
            "--seed",
            str(self.options.seed),
            "--output",
            str(data_path),
            timeout=3600,
        )
        seconds = time.monotonic() - started
        self.write(f"  {name}: data generated in {seconds:.1f} s")
        return json.loads(data_path.read_text()), f"generated in {seconds:.0f} s"

    def reusable(self, scale: float, name: str, data_path: Path) -> dict | None:
        """The data command's JSON for this database when it was made at this scale and seed and the database still
        holds it (the same number of strategies and audit events, and the partner's token still valid)."""
        import psycopg

        try:
            stored = json.loads(data_path.read_text())
        except (OSError, ValueError):
            return None
        if stored.get("scale") != scale or stored.get("seed") != self.options.seed:
            return None
        if stored.get("database_name") not in (None, name):
            return None
        try:
            with psycopg.connect(self.database_url(name)) as connection:
                strategies = connection.execute("SELECT count(*) FROM commissioning_strategy").fetchone()[0]
                events = connection.execute("SELECT count(*) FROM workflows_auditevent").fetchone()[0]
                token_valid = connection.execute(
                    "SELECT count(*) FROM knox_authtoken WHERE token_key = %s AND (expiry IS NULL OR expiry > now())",
                    [stored["api_token"][:15]],  # knox: the token's first 15 characters
                ).fetchone()[0]
        except psycopg.Error:
            return None
        counts = stored.get("counts", {})
        # Benchmarks write nothing, but a past run of something else may have: the figures must match exactly.
        if strategies != counts.get("strategies") or events < counts.get("audit_events", 0) or not token_valid:
            return None
        return stored
