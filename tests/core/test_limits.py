"""The rate-limit log (core.limits) and the one client-address rule (bzpeer.http.client_ip)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from bzpeer.http import UNKNOWN_ADDRESS, client_address_key, client_ip, try_again_phrase
from core.limits import Rate, RateLimited, rate_limit_hit, rate_limits_prune
from core.models import RateLimitHit

pytestmark = pytest.mark.django_db

PER_MINUTE = {"thing:user:1": (Rate(3, 60), Rate(5, 3600))}


def test_a_bucket_counts_up_to_its_limit_then_refuses_without_counting() -> None:
    now = timezone.now()
    for second in range(3):
        rate_limit_hit(PER_MINUTE, now=now + timedelta(seconds=second))
    with pytest.raises(RateLimited) as refused:
        rate_limit_hit(PER_MINUTE, now=now + timedelta(seconds=10))
    # The oldest of the three leaves the minute at now + 60 s: exactly when to come back.
    assert refused.value.retry_at == now + timedelta(seconds=60)
    assert refused.value.retry_after == 50 and refused.value.rate == Rate(3, 60)
    assert "in 50 seconds" in refused.value.when
    assert RateLimitHit.objects.count() == 3  # the refusal was not counted
    rate_limit_hit(PER_MINUTE, now=now + timedelta(seconds=60, microseconds=1))
    assert RateLimitHit.objects.count() == 4


def test_the_longer_window_refuses_until_its_own_oldest_hit_leaves() -> None:
    start = timezone.now()
    for minute in range(5):
        rate_limit_hit(PER_MINUTE, now=start + timedelta(minutes=minute))
    later = start + timedelta(minutes=10)
    with pytest.raises(RateLimited) as refused:
        rate_limit_hit(PER_MINUTE, now=later)
    assert refused.value.rate == Rate(5, 3600) and refused.value.retry_at == start + timedelta(hours=1)
    assert "in 50 minutes" in refused.value.when


def test_several_buckets_count_all_or_nothing() -> None:
    account, address = "follow:user:7", "follow:ip:192.0.2.1"
    rate_limit_hit({address: (Rate(1, 60),)})
    with pytest.raises(RateLimited) as refused:
        rate_limit_hit({account: (Rate(10, 60),), address: (Rate(1, 60),)})
    assert refused.value.key == address
    assert not RateLimitHit.objects.filter(key=account).exists()


def test_a_refusal_inside_a_transaction_leaves_it_usable(django_assert_num_queries) -> None:
    from django.db import transaction

    bucket = {"x:user:1": (Rate(1, 60),)}
    with transaction.atomic():
        with django_assert_num_queries(3):  # lock, read, insert
            rate_limit_hit(bucket)
        with pytest.raises(RateLimited):
            rate_limit_hit(bucket)
        assert RateLimitHit.objects.filter(key="x:user:1").count() == 1  # still usable


def test_pruning_deletes_only_hits_no_window_reads() -> None:
    now = timezone.now()
    rate_limit_hit(PER_MINUTE, now=now - timedelta(hours=2))
    rate_limit_hit(PER_MINUTE, now=now)
    assert rate_limits_prune(now=now) == 1
    assert list(RateLimitHit.objects.values_list("at", flat=True)) == [now]


def test_try_again_phrases() -> None:
    now = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0)
    assert try_again_phrase(now + timedelta(seconds=1), now) == "in 1 second (at 14:00:01 UTC)"
    assert try_again_phrase(now + timedelta(minutes=5), now) == "in 5 minutes (at 14:05 UTC)"
    assert try_again_phrase(now + timedelta(hours=23), now).startswith("in about 23 hours (at ")


# --- The client address ------------------------------------------------------------------------


def request(remote: str = "198.51.100.7", forwarded: str | None = None):
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


def test_direct_connections_never_read_x_forwarded_for(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request()) == "198.51.100.7"
    assert client_ip(request(forwarded="203.0.113.9")) == "198.51.100.7"
    assert client_ip(request(remote="")) == UNKNOWN_ADDRESS


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    assert client_ip(request(proxy, "198.51.100.7")) == "198.51.100.7"
    # Whatever the client wrote itself stands left of what the proxy appended: ignored.
    assert client_ip(request(proxy, "203.0.113.9, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request(proxy, "1.2.3.4,5.6.7.8 , 198.51.100.7")) == "198.51.100.7"
    # No header, or garbage where the proxy's entry should be: the proxy itself (a shared bucket).
    assert client_ip(request(proxy)) == proxy
    assert client_ip(request(proxy, "198.51.100.7, not-an-address")) == proxy
    assert client_ip(request(proxy, "[2001:db8::1]")) == "2001:db8::1"


def test_ipv6_clients_share_a_bucket_per_64_network() -> None:
    first, second = client_address_key("2001:db8:1:2:aaaa::1"), client_address_key("2001:db8:1:2:bbbb::9")
    assert first == second == "2001:db8:1:2::/64"
    assert client_address_key("192.0.2.1") == "192.0.2.1"
