"""Registrable domains under the Public Suffix List (profiles/domains.py): pure, no network."""

from __future__ import annotations

import socket

import pytest

from profiles import domains


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("example.edu", "example.edu"),
        ("cs.example.edu", "example.edu"),
        ("Math.Example.EDU.", "example.edu"),
        ("ox.ac.uk", "ox.ac.uk"),
        ("cs.ox.ac.uk", "ox.ac.uk"),
        ("www.ac.uk", "www.ac.uk"),  # registrable as a name: homepage_domain drops the www first
        ("ac.uk", ""),
        ("edu", ""),
        ("github.io", ""),
        ("lab.github.io", "lab.github.io"),
        ("localhost", ""),
        ("192.0.2.7", ""),
        ("", ""),
        ("a..b.edu", ""),
    ],
)
def test_registrable_domain(host: str, registrable: str) -> None:
    assert domains.registrable_domain(host) == registrable


def test_public_suffixes() -> None:
    assert domains.is_public_suffix("ac.uk") and domains.is_public_suffix("edu")
    assert not domains.is_public_suffix("ox.ac.uk") and not domains.is_public_suffix("")


def test_the_list_is_read_from_the_package_without_the_network(monkeypatch) -> None:
    domains._psl.cache_clear()

    def no_network(*args, **kwargs):
        raise AssertionError("the Public Suffix List must never be fetched")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert domains.homepage_domain("www.cs.ox.ac.uk") == "ox.ac.uk"
    assert domains.homepage_domain("www.ac.uk") == ""


def test_a_host_longer_than_a_domain_name_has_no_registrable_domain() -> None:
    assert domains.registrable_domain(("a" * 60 + ".") * 5 + "example.edu") == ""
