"""The HTTP layer against a real local server: pacing, retries, Retry-After, robots.txt, limits, redaction."""
from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import logging

import pytest
from fool_site import running_site

from core.errors import FetchError, RateLimitedError, RobotsDisallowedError
from core.http import HttpClient, HttpPolicy, HttpStatusError
from core.ingest.sources import make_client
from core.redaction import redact
from core.settings import Settings

FAST = HttpPolicy(min_interval=0.0, backoff_base=0.05, backoff_max=0.2, read_timeout=0.5, connect_timeout=1.0,
                  max_total_wait=5.0, retry_after_cap=2.0)


@pytest.fixture
def site():
    with running_site() as s:
        s.page("/a", b"<html>alpha</html>")
        s.page("/b", b"<html>beta</html>")
        yield s


def client(policy: HttpPolicy = FAST, **kwargs) -> HttpClient:
    return HttpClient(user_agent="TestAgent/1.0 (+tests)", policy=policy, **kwargs)


def test_real_defaults_are_polite():
    fetching = make_client(Settings())  # the client fetching uses: the hosts' pacing the sources declare
    fetching.close()
    policy = fetching.policy
    assert policy.host_intervals == {"fool.com": 2.0}
    assert policy.interval_for("www.fool.com") == 2.0
    assert policy.interval_for("fool.com") == 2.0
    assert policy.interval_for("notfool.com") == policy.min_interval == 1.0
    assert (policy.max_retries, policy.max_concurrency, policy.respect_robots) == (3, 2, True)
    assert policy.connect_timeout == 10.0 and policy.read_timeout == 30.0
    assert policy.retry_after_cap == 60.0 and policy.max_total_wait == 120.0 and policy.max_redirects == 5


def test_get_returns_body_status_and_sends_the_user_agent(site):
    response = client().get(site.base_url + "/a")
    assert (response.status, response.content, response.url) == (200, b"<html>alpha</html>", site.base_url + "/a")
    assert response.text == "<html>alpha</html>"
    assert site.server.log[-1][0].headers["User-Agent"] == "TestAgent/1.0 (+tests)"


def test_gzip_bodies_are_decoded(site):
    site.page("/z", gzip.compress(b"<html>zipped</html>"), headers={"Content-Encoding": "gzip"})
    assert client().get(site.base_url + "/z").content == b"<html>zipped</html>"
    assert "gzip" in site.server.log[-1][0].headers["Accept-Encoding"]


def test_rate_limit_spaces_requests_to_one_host(site):
    http = client(HttpPolicy(min_interval=0.3, host_intervals={}))
    for _ in range(3):
        http.get(site.base_url + "/a")
    times = site.requests_to("/a")
    assert len(times) == 3
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:])), times


def test_retry_after_seconds_is_honoured(site):
    site.fault("/a", ("status", 429, {"Retry-After": "1"}))
    assert client().get(site.base_url + "/a").status == 200
    first, second = site.requests_to("/a")
    assert second - first >= 0.95


def test_retry_after_http_date_is_honoured_and_capped(site):
    later = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1), usegmt=True)
    site.fault("/a", ("status", 503, {"Retry-After": later}))
    assert client().get(site.base_url + "/a").status == 200
    first, second = site.requests_to("/a")
    assert 1.9 <= second - first < 3.5  # an hour asked, the 2 s cap applied


def test_503_twice_then_200_succeeds_on_the_third_attempt(site):
    audit = []
    site.fault("/a", ("status", 503), ("status", 503))
    assert client(audit=audit).get(site.base_url + "/a").content == b"<html>alpha</html>"
    assert [(e.path, e.status, e.attempt) for e in audit if e.path == "/a"] == [
        ("/a", 503, 1), ("/a", 503, 2), ("/a", 200, 3)]


def test_persistent_429_gives_up_with_rate_limited_error_after_bounded_attempts(site):
    site.fault("/a", *[("status", 429)] * 10)
    with pytest.raises(RateLimitedError, match=r"HTTP 429; gave up after 4 attempts"):
        client().get(site.base_url + "/a")
    assert len(site.requests_to("/a")) == 4


def test_total_wait_is_bounded(site):
    site.fault("/a", *[("status", 503, {"Retry-After": "2"})] * 10)
    policy = HttpPolicy(min_interval=0.0, max_retries=10, max_total_wait=3.0, retry_after_cap=2.0)
    with pytest.raises(FetchError, match="HTTP 503; gave up after 2 attempts"):
        client(policy).get(site.base_url + "/a")


def test_404_is_not_retried(site):
    with pytest.raises(HttpStatusError, match="HTTP 404: not found") as info:
        client().get(site.base_url + "/missing")
    assert info.value.status == 404
    assert len(site.requests_to("/missing")) == 1


def test_read_timeout_is_retried_then_reported(site):
    site.fault("/a", *[("sleep", 1.0)] * 4)
    policy = HttpPolicy(min_interval=0.0, read_timeout=0.2, max_retries=1, backoff_base=0.01)
    with pytest.raises(FetchError, match=r"timed out .*gave up after 2 attempts"):
        client(policy).get(site.base_url + "/a")
    assert len(site.requests_to("/a")) == 2


def test_connection_reset_is_retried(site):
    site.fault("/a", "reset")
    assert client().get(site.base_url + "/a").content == b"<html>alpha</html>"
    assert len(site.requests_to("/a")) == 2


def test_truncated_body_is_retried_and_never_returned(site):
    site.fault("/a", "truncate")
    assert client().get(site.base_url + "/a").content == b"<html>alpha</html>"
    site.fault("/b", *["truncate"] * 5)
    with pytest.raises(FetchError, match=r"body incomplete after \d+ bytes; gave up"):
        client().get(site.base_url + "/b")


def test_response_over_the_size_limit_is_refused(site):
    site.page("/big", b"x" * 5000)
    with pytest.raises(FetchError, match="exceeds the limit of 1000"):
        client(HttpPolicy(min_interval=0.0, max_bytes=1000)).get(site.base_url + "/big")
    assert len(site.requests_to("/big")) == 1


def test_redirects_are_followed_within_the_limit(site):
    site.redirect("/old", "/a")
    assert client().get(site.base_url + "/old").url == site.base_url + "/a"
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        client().get(site.base_url + "/loop")
    assert len(site.requests_to("/loop")) == 6


def test_robots_disallow_stops_the_request_and_robots_is_read_once(site):
    site.robots("User-agent: *\nDisallow: /b\n")
    http = client()
    http.get(site.base_url + "/a")
    with pytest.raises(RobotsDisallowedError, match="robots.txt of the site disallows"):
        http.get(site.base_url + "/b")
    http.get(site.base_url + "/a")
    assert site.requests_to("/b") == []
    assert len(site.requests_to("/robots.txt")) == 1


def test_missing_robots_allows_and_forbidden_robots_disallows(site):
    del site.routes["/robots.txt"]
    assert client().get(site.base_url + "/a").status == 200
    site.page("/robots.txt", b"no", status=403)
    with pytest.raises(RobotsDisallowedError):
        client().get(site.base_url + "/a")


def test_api_key_never_appears_in_logs_audit_or_errors(site, caplog):
    secret = "SeCrEt123KEY"
    audit = []
    http = client(secrets=[secret], audit=audit)
    site.page(f"/a?function=X&apikey={secret}", b"<html>keyed</html>")
    caplog.set_level(logging.DEBUG)
    http.get(f"{site.base_url}/a?function=X&apikey={secret}")
    with pytest.raises(FetchError) as info:
        http.get(f"{site.base_url}/missing?apikey={secret}&symbol=IBM")
    site.fault("/b", *["reset"] * 5)
    with pytest.raises(FetchError) as reset:
        http.get(f"{site.base_url}/b?apikey={secret}")
    # Our side only: the werkzeug records are the test server's own access log (the remote end in real life).
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))
    text = ours + repr(audit) + str(info.value) + str(reset.value)
    assert "apikey=***" in ours and "urllib3" in {r.name.split(".")[0] for r in caplog.records}
    assert secret not in text
    assert "/missing?apikey=***&symbol=IBM" in str(info.value)


def test_redact_scrubs_query_keys_and_known_secrets():
    assert redact("https://x/q?symbol=A&apikey=abc&x=1") == "https://x/q?symbol=A&apikey=***&x=1"
    assert redact("failed for token abc", ["abc"]) == "failed for token ***"
