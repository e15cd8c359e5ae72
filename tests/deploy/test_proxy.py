"""Production's front: nginx, with the repository's one template, in front of a real gunicorn.

Slow clients wait in nginx, not in gunicorn's two sync workers; an oversized body is refused
by nginx before it reaches Django; nginx serves /static/ itself; the app learns the client's
address and scheme from the headers nginx sets. The template is rendered the way the official
image renders it (tests/deploy/servers.py), so compose runs the configuration tested here.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid

import pytest
from django.conf import settings

from tests.deploy.servers import (
    PARAMETERS,
    REPO,
    TEMPLATE,
    Gunicorn,
    Nginx,
    placeholders,
    render,
    request,
    stalled_clients,
)

# gunicorn reads the test database, which pytest-django creates only for a session with tests
# marked for it.
pytestmark = pytest.mark.django_db

# More stalled sockets than gunicorn has workers (two), at least two of each kind.
STALLED = 6


def test_the_template_has_exactly_the_three_parameters() -> None:
    assert placeholders(TEMPLATE.read_text()) == set(PARAMETERS)


def test_rendering_replaces_only_the_named_variables() -> None:
    template = "proxy_pass http://${NGINX_UPSTREAM}; $NGINX_LISTEN $NGINX_LISTENER ${HOME} $host $uri"
    rendered = render(template, {"NGINX_UPSTREAM": "web:8000", "NGINX_LISTEN": "80"})
    assert rendered == "proxy_pass http://web:8000; 80 $NGINX_LISTENER ${HOME} $host $uri"


def test_compose_gives_nginx_the_template_and_exactly_its_parameters() -> None:
    config = compose_config()
    nginx = service_block(config, "nginx")
    assert "/deploy/nginx/default.conf.template:/etc/nginx/templates/default.conf.template:ro" in nginx
    assert set(re.findall(r"^      (NGINX_[A-Z_]+):", nginx, flags=re.MULTILINE)) == {
        *PARAMETERS, "NGINX_ENVSUBST_FILTER"
    }


def test_compose_publishes_nginx_only_and_never_gunicorn() -> None:
    config = compose_config()
    assert "ports:" in service_block(config, "nginx")
    assert [name for name in ("db", "redis", "web", "worker", "beat") if "ports:" in service_block(config, name)] == []


def test_compose_tells_the_app_services_to_trust_the_one_nginx_hop() -> None:
    """Behind compose's nginx every request arrives from nginx's address: without one trusted
    hop every per-address limit would be one bucket shared by all visitors."""
    config = compose_config()
    for name in ("web", "worker", "beat"):
        assert re.search(r"^\s+TRUSTED_PROXY_COUNT: ['\"]?1['\"]?$", service_block(config, name), re.MULTILINE), name


def test_nginx_refuses_the_same_body_size_as_django() -> None:
    size = re.search(r"^\s*client_max_body_size (\d+)k;", TEMPLATE.read_text(), flags=re.MULTILINE)
    assert size is not None
    assert int(size.group(1)) * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# --- Slow clients ---------------------------------------------------------------------------------


def test_without_nginx_stalled_clients_hold_every_gunicorn_worker(gunicorn: Gunicorn) -> None:
    """The failure nginx is there for (issue 12): gunicorn published directly."""
    with stalled_clients(gunicorn.port, STALLED, uuid.uuid4().hex), pytest.raises(TimeoutError):
        request(gunicorn.port, "GET", "/healthz", timeout=3)
    # Once they give up, the workers serve again.
    assert request(gunicorn.port, "GET", "/healthz").status == 200


def test_stalled_clients_do_not_delay_a_normal_request_through_nginx(nginx: Nginx, gunicorn: Gunicorn) -> None:
    marker = uuid.uuid4().hex
    with stalled_clients(nginx.port, STALLED, marker):
        response = request(nginx.port, "GET", f"/healthz?during-stall={marker}", timeout=3)
        assert response.status == 200 and response.body == b"ok\n"
        second = request(nginx.port, "GET", f"/healthz?during-stall-again={marker}", timeout=3)
        assert second.status == 200
    # None of the stalled requests reached gunicorn: nginx holds incomplete requests.
    gunicorn.wait_for_log(f"during-stall-again={marker}")
    assert not [line for line in gunicorn.log_lines() if f"stalled={marker}" in line]


# --- Bodies ---------------------------------------------------------------------------------------


def test_a_body_at_the_limit_reaches_the_app(nginx: Nginx) -> None:
    body = b"a=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 2)
    response = request(
        nginx.port, "POST", "/__test__/request/", {"Content-Type": "application/x-www-form-urlencoded"}, body
    )
    assert response.status == 200
    assert json.loads(response.body)["body_length"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_oversized_body_gets_413_from_nginx_without_reaching_django(
    nginx: Nginx, gunicorn: Gunicorn, declared: bool
) -> None:
    marker = uuid.uuid4().hex
    oversized = b"a=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # one byte over
    if declared:
        head = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(300 * 1024 * 1024)}
        body = oversized  # of 300 MB announced
    else:
        head = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(oversized), oversized)
    response = request(nginx.port, "POST", f"/__test__/request/?oversized={marker}", head, body)
    assert response.status == 413
    # Proof by the access log: a later request through the same nginx is there, this one is not.
    request(nginx.port, "GET", f"/healthz?after-oversized={marker}")
    gunicorn.wait_for_log(f"after-oversized={marker}")
    assert not [line for line in gunicorn.log_lines() if f"oversized={marker}" in line and "after" not in line]


# --- Static files ---------------------------------------------------------------------------------


def test_nginx_serves_static_files_itself(nginx: Nginx, gunicorn: Gunicorn) -> None:
    marker = uuid.uuid4().hex[:12]
    (nginx.static_root / "css").mkdir(exist_ok=True)
    (nginx.static_root / "css" / f"site.{marker}.css").write_text("body { color: #123; }\n")
    (nginx.static_root / "robots.txt").write_text("User-agent: *\n")
    for path in nginx.static_root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)

    hashed = request(nginx.port, "GET", f"/static/css/site.{marker}.css")
    assert hashed.status == 200 and hashed.body == b"body { color: #123; }\n"
    assert hashed.headers["content-type"].startswith("text/css")
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = request(nginx.port, "GET", "/static/robots.txt")
    assert plain.status == 200 and plain.headers["cache-control"] == "public, max-age=3600"
    assert request(nginx.port, "GET", f"/static/missing-{marker}.css").status == 404

    request(nginx.port, "GET", f"/healthz?after-static={marker}")
    gunicorn.wait_for_log(f"after-static={marker}")
    assert not [line for line in gunicorn.log_lines() if "/static/" in line]


# --- What the app learns of the client ------------------------------------------------------------


def test_the_app_sees_the_client_address_appended_to_x_forwarded_for(nginx: Nginx, gunicorn: Gunicorn) -> None:
    seen = json.loads(request(nginx.port, "GET", "/__test__/request/").body)
    assert seen["x_forwarded_for"] == "127.0.0.1"  # the address nginx saw: this test
    assert seen["remote_addr"] == "127.0.0.1"  # nginx itself, on loopback here

    # A client's own X-Forwarded-For is kept, and the address nginx saw comes last: the one
    # entry the app can trust with exactly one proxy hop.
    spoofed = json.loads(request(nginx.port, "GET", "/__test__/request/", {"X-Forwarded-For": "203.0.113.7"}).body)
    assert spoofed["x_forwarded_for"] == "203.0.113.7, 127.0.0.1"
    gunicorn.wait_for_log('xff="203.0.113.7, 127.0.0.1"')


def test_the_app_sees_the_scheme_nginx_was_reached_by_and_the_host_asked_for(nginx: Nginx) -> None:
    # A client claiming https over plain http is overruled by nginx.
    seen = json.loads(
        request(
            nginx.port, "GET", "/__test__/request/",
            {"X-Forwarded-Proto": "https", "Host": f"localhost:{nginx.port}"},
        ).body
    )
    assert seen["x_forwarded_proto"] == "http" and seen["is_secure"] is False
    assert seen["host"] == f"localhost:{nginx.port}"


# --- helpers --------------------------------------------------------------------------------------


def compose_config() -> str:
    result = subprocess.run(
        ["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def service_block(config: str, name: str) -> str:
    """The lines of one service in ``docker-compose config``'s normalised YAML (no YAML
    library here: services are the two-space-indented keys under ``services:``)."""
    services = config.split("services:\n", 1)[1]
    match = re.search(rf"^  {re.escape(name)}:\n((?:    .*\n|  - .*\n)*)", services, flags=re.MULTILINE)
    assert match is not None, f"no service {name!r} in docker-compose config"
    return match.group(1)
