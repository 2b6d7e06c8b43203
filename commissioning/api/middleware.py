"""Refuse API request bodies over the size limit with 413 before anything reads them."""

from django.conf import settings

from .errors import too_large_response


class ApiRequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_BODY_BYTES:
                return too_large_response()
        return self.get_response(request)
