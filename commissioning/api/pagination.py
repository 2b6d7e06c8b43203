"""Cursor pagination, the same for every list of the API: a stable order, `page_size` up to 100, `next` and
`previous` as absolute URLs, and a cursor or page size the API did not give out refused with 400 naming it (DRF's
own quietly ignores what it cannot read, or starts again from the beginning)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qs

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

CURSOR = re.compile(r"[A-Za-z0-9+/]+={0,2}")
CURSOR_PARTS = {"o", "r", "p"}  # offset, reverse, position: what DRF's cursors hold
NOT_OURS = "This is not a cursor the API gave out; start again without it."


class ApiCursorPagination(CursorPagination):
    ordering = ("id",)
    page_size = 50
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: f"Give a whole number from 1 to {self.max_page_size}, or leave it out."}
            )
        return int(raw)

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        if raw == "":
            raise exceptions.ValidationError({"cursor": "This parameter is empty: give a value or leave it out."})
        try:
            if not CURSOR.fullmatch(raw):
                raise ValueError
            parts = parse_qs(base64.b64decode(raw, validate=True).decode("ascii"), keep_blank_values=True)
            if not parts or not set(parts) <= CURSOR_PARTS:
                raise ValueError
            return super().decode_cursor(request)
        except (exceptions.NotFound, ValueError, binascii.Error, UnicodeDecodeError):
            raise exceptions.ValidationError({"cursor": NOT_OURS}) from None
