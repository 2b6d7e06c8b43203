"""A local stand-in for GOV.UK Notify's API on 127.0.0.1, speaking its documented shape for sending an e-mail
(POST /v2/notifications/email): the Bearer JWT checked as Notify checks it (HS256 with the key's secret, `iss` the
service id, `iat` within 30 seconds), 201 with the documented body, and the documented errors (400
ValidationError/BadRequestError, 403 AuthError, 429 RateLimitError, 500 Exception). Every request is recorded."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"commissioning_test-{SERVICE_ID}-{SECRET}"
WRONG_KEY = f"commissioning_test-{SERVICE_ID}-{uuid.UUID(int=1)}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
REMINDER_TEMPLATE_ID = "a5b0a8ad-7b73-4f5c-9f62-0e1d8c4d30a1"
DEADLINE_TEMPLATE_ID = "0c2f6a51-3a35-4d0e-9d3c-5b2d0f8e6c11"
TEMPLATES = {
    TEMPLATE_ID: {"subject", "body"},
    REMINDER_TEMPLATE_ID: {"recipient_name", "link"},
    DEADLINE_TEMPLATE_ID: {"deadline"},
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _errors(status: int, error: str, message: str) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": error, "message": message}]}


class FakeNotify:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.mode = "ok"  # or "rate_limited", "server_error"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                record = {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
                fake.requests.append(record)
                status, answer = fake.answer(record)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, record: dict) -> tuple[int, dict]:
        if record["path"] != "/v2/notifications/email":
            return _errors(404, "BadRequestError", "Not found")
        token = record["headers"].get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return _errors(403, "AuthError", "Invalid token: API key not found")
        if claims["iss"] != SERVICE_ID:
            return _errors(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - claims["iat"]) > 30:
            return _errors(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds")
        if self.mode == "rate_limited":
            return _errors(
                429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
            )
        if self.mode == "server_error":
            return _errors(500, "Exception", "Internal server error")
        sent = record["json"]
        if not EMAIL.match(str(sent.get("email_address", ""))):
            return _errors(400, "ValidationError", "email_address Not a valid email address")
        fields = TEMPLATES.get(sent.get("template_id"))
        if fields is None:
            return _errors(400, "BadRequestError", "Template not found")
        missing = sorted(fields - set(sent.get("personalisation") or {}))
        if missing:
            return _errors(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        notification_id = str(uuid.uuid4())
        personalisation = sent["personalisation"]
        return 201, {
            "id": notification_id,
            "reference": sent.get("reference"),
            "content": {
                "subject": personalisation.get("subject", ""),
                "body": personalisation.get("body", ""),
                "from_email": "commissioning@notifications.service.gov.uk",
            },
            "uri": f"{self.url}/v2/notifications/{notification_id}",
            "template": {
                "id": sent["template_id"],
                "version": 1,
                "uri": f"{self.url}/v2/template/{sent['template_id']}",
            },
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
