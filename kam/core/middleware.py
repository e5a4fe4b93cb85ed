"""Request-scoped context: a request id and the change-log source for every write."""

import uuid

from .context import change_context


class ChangeContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/"):
            source = "api"
        elif path.startswith("/admin/"):
            source = "admin"
        else:
            source = "web"
        request_id = request.headers.get("X-Request-ID", "")[:32] or uuid.uuid4().hex
        request.request_id = request_id
        with change_context(source=source, request=request, request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
