"""Validating an OCDS release package offline with libcoveocds, against the OCDS 1.1.5 schema kept here (see
README.md beside this file for why it is kept here, and where it came from)."""

from __future__ import annotations

import csv
import io
import json
import socket
import zipfile
from pathlib import Path

SCHEMA = Path(__file__).resolve().parent / "schema"
TAG = "1__1__5"


def _closed_codelists(schema: dict) -> dict[str, list[str]]:
    """Each closed codelist the release schema names, with the codes of its `enum`."""
    found: dict[str, list[str]] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if "codelist" in node and node.get("openCodelist") is False:
                codes = node.get("enum") or (node.get("items") or {}).get("enum") or []
                found[node["codelist"]] = [code for code in codes if code is not None]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def standard_zip(folder: Path) -> Path:
    """The standard as libcoveocds reads it (the repository's zip: `<top>/schema/...`), from the files kept here."""
    path = folder / f"standard-{TAG}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"standard-{TAG}/", "")
        for schema in sorted(SCHEMA.glob("*.json")):
            archive.write(schema, f"standard-{TAG}/schema/{schema.name}")
        release_schema = json.loads((SCHEMA / "release-schema.json").read_text())
        for name, codes in _closed_codelists(release_schema).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["Code"])
            writer.writerows([code] for code in codes)
            archive.writestr(f"standard-{TAG}/schema/codelists/{name}", text.getvalue())
    return path


class NoNetwork:
    """Refuses any connection while validating: the schema must come from here, never from the internet."""

    def __enter__(self):
        self._connect = socket.socket.connect

        def refuse(*args, **kwargs):
            raise AssertionError(f"validation tried to reach the network: {args[1:]}")

        socket.socket.connect = refuse
        return self

    def __exit__(self, *exc) -> None:
        socket.socket.connect = self._connect


def validate(package: dict, folder: Path) -> dict:
    """libcoveocds' report on `package` (its API context): `validation_errors`, `additional_closed_codelist_values`,
    `additional_checks` and the rest."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"standard_zip": standard_zip(folder).as_uri(), "context": "api"})
    with NoNetwork():
        return ocds_json_output(str(folder), json_data=package, lib_cove_ocds_config=config, record_pkg=False)
