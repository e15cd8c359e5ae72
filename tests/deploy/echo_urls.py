"""bzpeer/urls.py plus ``/__test__/request/``, a view the tests use to read the request as
Django sees it behind nginx (the product has no such view)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
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


urlpatterns = [path("__test__/request/", request_as_django_sees_it), *product_urlpatterns]
