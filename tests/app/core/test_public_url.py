"""The owner's public base URL: only a scheme, a host and a port get through; where links point."""

from __future__ import annotations

import pytest

from app.core.public_url import BaseUrlError, arrived_elsewhere, listen_url, parse_base_url


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("https://shop.example.com", "https://shop.example.com"),
        ("  HTTPS://Shop.Example.COM/ ", "https://shop.example.com"),
        ("http://shop.example.com:80", "http://shop.example.com"),  # the scheme's own port is implied
        ("https://shop.example.com:8443", "https://shop.example.com:8443"),
        ("http://203.0.113.7:8080", "http://203.0.113.7:8080"),
        ("http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080"),
        ("http://xn--bcher-kva.example", "http://xn--bcher-kva.example"),
        ("", ""),
    ],
)
def test_a_base_url_is_kept_as_scheme_host_and_port(typed, kept):
    assert parse_base_url(typed) == kept


@pytest.mark.parametrize(
    "typed, why",
    [
        ("javascript:alert(1)", "http://"),
        ("ftp://shop.example.com", "http://"),
        ("//shop.example.com", "http://"),
        ("shop.example.com", "http://"),
        ("https://shop.example.com/shop", "no path"),
        ("https://shop.example.com/..%2f", "no path"),
        ("https://evil.example@shop.example.com", "no user name"),
        ("https://shop.example.com?next=//evil.example", "no user name, query"),
        ("https://shop.example.com#x", "no user name, query"),
        ("https://shop.example.com\\@evil.example", "backslashes"),
        ("https://shop.example.com\r\nX: y", "no spaces"),
        ("https://bücher.example", "non-ASCII"),
        ("https://shop.example.com:99999", "port"),
        ("https://shop.example.com:0", "port"),
        ("https://shop.example.com:http", "port"),
        ("https://-shop.example.com", "host"),
        ("https://shop_example.com", "host"),
        ("https://" + "a" * 300 + ".example", "at most"),
    ],
)
def test_anything_else_is_refused_with_the_reason(typed, why):
    with pytest.raises(BaseUrlError) as refused:
        parse_base_url(typed)
    assert refused.value.field == "base_url" and why in str(refused.value)


def test_a_server_bound_to_every_address_is_reached_by_loopback():
    assert listen_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert listen_url("::", 8080) == "http://127.0.0.1:8080"
    assert listen_url("::1", 8080) == "http://[::1]:8080"
    assert listen_url("shop.local", 80) == "http://shop.local:80"


def test_a_request_on_another_host_or_port_than_the_links_is_noticed():
    assert not arrived_elsewhere("http://shop.example.com/", "http://shop.example.com:80")
    assert not arrived_elsewhere("https://SHOP.example.com/", "https://shop.example.com")
    assert arrived_elsewhere("http://127.0.0.1:8080/", "http://127.0.0.1:5000")
    assert arrived_elsewhere("http://localhost:5000/", "http://127.0.0.1:5000")
    assert arrived_elsewhere("http://shop.example.com/", "https://shop.example.com")  # port 80, not 443
