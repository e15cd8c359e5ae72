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
    * other methods reach the API, which answers 405;
    * Django's own refusals (no such route: 404; a method the route does not take: 405) are
      JSON like the API's, so that every answer under ``/api/`` is.
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
            response = _as_json(self.get_response(request))
        if request.method in ("GET", "HEAD", "OPTIONS"):
            response["Access-Control-Allow-Origin"] = "*"
        return response


_REASONS = {
    404: "No such endpoint: the endpoints are listed in /api/v1/openapi.json.",
    405: "The API is read-only: GET, HEAD and OPTIONS only.",
}


def _as_json(response: HttpResponseBase) -> HttpResponseBase:
    """Django's 404 page and ninja's empty 405 as the API's JSON refusal (headers kept)."""
    reason = _REASONS.get(response.status_code)
    if reason is None or response.get("Content-Type", "").startswith("application/json"):
        return response
    answer = JsonResponse({"status": response.status_code, "reason": reason}, status=response.status_code)
    for header, value in response.items():  # Allow, Vary, Cache-Control, security headers…
        if header.lower() not in ("content-type", "content-length"):
            answer[header] = value
    for cookie in response.cookies.values():
        answer.cookies[cookie.key] = cookie
    return answer
