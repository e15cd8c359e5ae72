"""What every API response carries, whatever the endpoint: CORS for reads, the per-address
limit, and the answer to a CORS preflight. Requests outside ``/api/`` pass straight through
(one string comparison)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from api.limits import api_rate_check

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


class ApiMiddleware:
    """For ``/api/`` paths:

    * ``OPTIONS`` (a CORS preflight): 204 allowing GET and HEAD from any origin, without
      credentials (no ``Access-Control-Allow-Credentials``: cookies are never used);
    * GET and HEAD: counted against the address's limit (api.limits), 429 with
      ``Retry-After`` over it; every answer carries ``Access-Control-Allow-Origin: *``;
    * other methods reach the API, which answers 405.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response: HttpResponseBase = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method in ("GET", "HEAD") and (wait := api_rate_check(request)):
            reason = f"Over the limit of requests a minute from this address: try again in {wait} seconds."
            response = JsonResponse({"status": 429, "reason": reason}, status=429)
            response["Retry-After"] = str(wait)
        else:
            response = self.get_response(request)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            response["Access-Control-Allow-Origin"] = "*"
        return response
