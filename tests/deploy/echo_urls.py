"""bzpeer/urls.py plus two test-only views (the product has neither): ``/__test__/request/``
shows the request as Django sees it behind nginx; ``/__test__/slow/`` keeps its worker busy
for a while, so that a test can kill the worker in the middle of a request."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bzpeer.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def request_as_django_sees_it(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "x_forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR"),
            "x_forwarded_proto": request.META.get("HTTP_X_FORWARDED_PROTO"),
            "is_secure": request.is_secure(),
            "host": request.get_host(),
            "body_length": len(request.body),
        }
    )


SLOW_PIDS = "slow-request-pids"


@csrf_exempt
def slow(request: HttpRequest) -> HttpResponse:
    """Appends this worker's pid to ``$TMPDIR/slow-request-pids`` (the test reads which worker
    has the request), then answers after ``?seconds=`` (at most 5)."""
    with open(Path(tempfile.gettempdir()) / SLOW_PIDS, "a") as pids:
        pids.write(f"{os.getpid()}\n")
    time.sleep(min(5.0, float(request.GET.get("seconds", "1"))))
    return HttpResponse(f"served by {os.getpid()}", content_type="text/plain")


urlpatterns = [
    path("__test__/request/", request_as_django_sees_it),
    path("__test__/slow/", slow),
    *product_urlpatterns,
]
