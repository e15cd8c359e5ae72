"""The product's settings with one change for tests/deploy's gunicorn: the URLs gain a
test-only view that shows what Django sees of a request behind the proxy."""

from bzpeer.settings import *  # noqa: F403

ROOT_URLCONF = "tests.deploy.echo_urls"
