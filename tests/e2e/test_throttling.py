"""Guessing is throttled: failed sign-ins and tokens per account and client address,
verification lookups per address; 429 with Retry-After that says nothing about accounts;
counters shared by every process through Redis.

The limits here are real but low. The database is SQLite only: throttling never touches
it, and every scenario runs once with the counters in memory and once in Redis.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

import pytest

from registry.application import Registry
from registry.bootstrap import initialise
from registry.settings import Settings
from tests import builders
from tests.conftest import PRODUCTION_PASSWORDS, make_settings

REDIS_URL = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "correct-horse-7"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOW = {
    "auth_failures_per_account_address": "3/minute",
    "auth_failures_per_account": "6/minute",
    "auth_failures_per_address": "5/minute",
    "verify_lookups_per_address": "8/minute",
    "verify_failures_per_address": "3/minute",
}


@dataclass
class Seeded:
    settings: Settings
    token: str  # the API token of the account "robot"
    number: str
    code: str


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    """One registry for the module: an account that signs in, one with a token, a certificate."""
    tmp = tmp_path_factory.mktemp("throttling")
    settings = make_settings(f"sqlite:///{tmp / 'registry.db'}", tmp)
    initialise(settings)
    registry = Registry(settings)
    try:
        registry.create_account(builders.ADMIN, name="clerk", role="auditor", password=PASSWORD)
        _, token = registry.create_account(builders.ADMIN, name="robot", role="auditor")
        _, _, certificate = builders.certified_teacher(registry)
    finally:
        registry.close()
    return Seeded(settings, token, certificate["number"], certificate["verification_code"])


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis (it keeps nothing on disk: counters only)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but {REDIS_URL} does not answer")
        pytest.skip("no Redis server (set CI=true to make this a failure)")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    """Where the counters live: each process's memory, or Redis shared by all."""
    return "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
def build(seeded, storage):
    """Builds web apps over the seeded registry with low limits; apps built by one test
    share their counters when they are in Redis (one key prefix per test)."""
    from web import create_app

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    apps = []

    def make(config: dict[str, Any] | None = None, **limits: Any):
        settings = replace(seeded.settings, **{"rate_limit_storage": storage, **LOW, **limits})
        app = create_app(
            {
                "TESTING": True,
                "REGISTRY_SETTINGS": settings,
                "SECRET_KEY": "test-web-secret",
                "RATELIMIT_KEY_PREFIX": prefix,
                **(config or {}),
            }
        )
        services = app.extensions["registry"]
        services.queries.wait_for(services.registry.recorder.max_notification_id(), timeout=10)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["registry"].close()
    if storage.startswith("redis"):
        import redis

        client = redis.Redis.from_url(storage)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)


@pytest.fixture
def app(build):
    return build()


class Visitor:
    """One client address speaking to one app, through its pages or its API."""

    def __init__(self, app, address: str, headers: dict[str, str] | None = None):
        self.client = app.test_client()
        self.environ = {"REMOTE_ADDR": address}
        self.headers = headers or {}

    def sign_in(self, name: str, password: str):
        page = self.client.get("/sign-in", environ_base=self.environ, headers=self.headers)
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        return self.client.post(
            "/sign-in",
            data={"csrf_token": token, "name": name, "password": password},
            environ_base=self.environ,
            headers=self.headers,
        )

    def api(self, path: str, token: str | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get(f"/api/v1{path}", headers=headers, environ_base=self.environ)

    def get(self, path: str):
        return self.client.get(path, environ_base=self.environ, headers=self.headers)


def wrong_token() -> str:
    return f"{uuid.uuid4().hex}.not-the-secret"


def assert_throttled(response, *, json: bool) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60  # the windows here are a minute
    if json:
        assert response.get_json()["error"]["code"] == "too_many_requests"
    else:
        assert response.mimetype == "text/html"


# -- sign-in ----------------------------------------------------------------------------


def test_wrong_passwords_from_one_address_end_in_429_even_for_the_right_password(app):
    guesser = Visitor(app, "10.0.0.1")
    assert [guesser.sign_in("clerk", f"guess-{i}").status_code for i in range(3)] == [401] * 3
    refused = guesser.sign_in("clerk", PASSWORD)  # refused before the password is checked
    assert_throttled(refused, json=False)
    assert "Too many attempts" in guesser.get("/sign-in?lang=en").get_data(
        as_text=True
    ) or "Слишком много попыток" in refused.get_data(as_text=True)


def test_the_owner_signs_in_from_their_own_address_while_another_is_throttled(app):
    guesser = Visitor(app, "10.0.0.1")
    for i in range(4):
        guesser.sign_in("clerk", f"guess-{i}")
    assert guesser.sign_in("clerk", PASSWORD).status_code == 429
    assert Visitor(app, "10.0.0.2").sign_in("clerk", PASSWORD).status_code == 302


def test_an_unknown_account_is_throttled_exactly_like_a_real_one(app):
    answers = {}
    for name, address in (("clerk", "10.0.1.1"), ("nobody-here", "10.0.1.2")):
        visitor = Visitor(app, address)
        statuses = [visitor.sign_in(name, f"guess-{i}").status_code for i in range(4)]
        last = visitor.sign_in(name, "guess-last")
        answers[name] = (statuses, last.status_code, last.get_data(as_text=True))
    assert answers["clerk"][0] == answers["nobody-here"][0] == [401, 401, 401, 429]
    assert answers["clerk"][1:] == answers["nobody-here"][1:]


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_an_unknown_name_is_refused_as_slowly_as_a_wrong_password(build):
    """Both cost a password hash, so the time of a refusal does not tell which names
    exist (unknown names were refused in 2 ms, wrong passwords in 120 ms)."""
    import statistics
    import time

    app = build(
        auth_failures_per_account_address="100/minute",
        auth_failures_per_account="100/minute",
        auth_failures_per_address="100/minute",
        **PRODUCTION_PASSWORDS,  # the tests' cheap hashes would take no time either way
    )
    app.extensions["registry"].registry.create_account(
        builders.ADMIN, name="timed-clerk", role="auditor", password=PASSWORD
    )
    visitor = Visitor(app, "10.0.5.1")
    times: dict[str, list[float]] = {"timed-clerk": [], "nobody-here": []}
    for i in range(5):  # interleaved, so a busy moment slows both alike
        for name, taken in times.items():
            started = time.perf_counter()
            assert visitor.sign_in(name, f"guess-{i}").status_code == 401
            taken.append(time.perf_counter() - started)
    unknown, known = (statistics.median(times[n]) for n in ("nobody-here", "timed-clerk"))
    assert unknown > known / 3, (unknown, known)


def test_failures_spread_over_many_addresses_stop_at_the_looser_limit_per_account(app):
    for address in ("10.0.2.1", "10.0.2.2", "10.0.2.3"):  # 2 each: under 3 per address
        visitor = Visitor(app, address)
        assert [visitor.sign_in("clerk", f"guess-{i}").status_code for i in range(2)] == [401, 401]
    # 6 failures on the account: now even its owner, from a fresh address, must wait.
    assert_throttled(Visitor(app, "10.0.2.9").sign_in("clerk", PASSWORD), json=False)


def test_one_address_trying_many_accounts_is_stopped_by_its_own_limit(app):
    sprayer = Visitor(app, "10.0.3.1")
    statuses = [sprayer.sign_in(f"user-{i}", "guess").status_code for i in range(5)]
    assert statuses == [401] * 5
    assert_throttled(sprayer.sign_in("user-99", "guess"), json=False)
    assert Visitor(app, "10.0.3.2").sign_in("clerk", PASSWORD).status_code == 302


def test_a_successful_sign_in_does_not_count_as_a_failure(app):
    visitor = Visitor(app, "10.0.4.1")
    assert [visitor.sign_in("clerk", PASSWORD).status_code for _ in range(4)] == [302] * 4


# -- tokens -----------------------------------------------------------------------------


def test_wrong_tokens_end_in_429_with_the_api_error_payload(app, seeded):
    guesser = Visitor(app, "10.1.0.1")
    account = seeded.token.partition(".")[0]
    statuses = [guesser.api("/me", f"{account}.guess-{i}").status_code for i in range(3)]
    assert statuses == [401] * 3
    refused = guesser.api("/me", f"{account}.guess-4")
    assert_throttled(refused, json=True)
    assert set(refused.get_json()["error"]) == {"code", "message", "fields"}
    assert Visitor(app, "10.1.0.2").api("/me", seeded.token).status_code == 200


def test_wrong_tokens_naming_an_account_from_many_addresses_never_lock_out_its_token(app, seeded):
    account = seeded.token.partition(".")[0]
    for i in range(4):
        visitor = Visitor(app, f"10.1.1.{i}")
        assert [visitor.api("/me", f"{account}.guess-{j}").status_code for j in range(2)] == [
            401,
            401,
        ]
    assert Visitor(app, "10.1.1.9").api("/me", seeded.token).status_code == 200


def test_one_address_sending_many_wrong_tokens_is_stopped(app, seeded):
    guesser = Visitor(app, "10.1.2.1")
    assert [guesser.api("/me", wrong_token()).status_code for _ in range(5)] == [401] * 5
    assert_throttled(guesser.api("/teachers", wrong_token()), json=True)
    assert guesser.api("/open-data/compliance").status_code == 200  # public: no token
    assert Visitor(app, "10.1.2.2").api("/me", wrong_token()).status_code == 401


def test_a_token_in_use_is_not_throttled_by_its_own_successes(app, seeded):
    client = Visitor(app, "10.1.3.1")
    assert [client.api("/me", seeded.token).status_code for _ in range(30)] == [200] * 30


# -- verification ------------------------------------------------------------------------


def test_wrong_verification_codes_end_in_429_on_the_page_and_in_the_api(app, seeded):
    guesser = Visitor(app, "10.2.0.1")
    assert guesser.get(f"/verify/{seeded.number}?code=WRONG-1").status_code == 404
    assert guesser.api(f"/verify/{seeded.number}?code=WRONG-2").status_code == 404
    assert guesser.get("/verify/NO-SUCH-1?code=WRONG-3").status_code == 404
    assert_throttled(guesser.get(f"/verify/{seeded.number}?code=WRONG-4"), json=False)
    assert_throttled(guesser.api(f"/verify/{seeded.number}?code={seeded.code}"), json=True)
    other = Visitor(app, "10.2.0.2")
    assert other.get(f"/verify/{seeded.number}?code={seeded.code}").status_code == 200


def test_verification_lookups_are_limited_per_address_even_when_right(app, seeded):
    reader = Visitor(app, "10.2.1.1")
    path = f"/verify/{seeded.number}?code={seeded.code}"
    assert [reader.api(path).status_code for _ in range(8)] == [200] * 8
    assert_throttled(reader.get(path), json=False)
    assert reader.get("/verify").status_code == 200  # the form itself looks nothing up


# -- where the counters live and whose address counts ---------------------------------------


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_two_app_instances_share_their_counters_through_redis(build):
    first, second = build(), build()
    assert Visitor(first, "10.3.0.1").sign_in("nobody-1", "guess").status_code == 401
    assert Visitor(second, "10.3.0.1").sign_in("nobody-2", "guess").status_code == 401
    assert Visitor(first, "10.3.0.1").sign_in("nobody-3", "guess").status_code == 401
    assert Visitor(second, "10.3.0.1").sign_in("nobody-4", "guess").status_code == 401
    assert Visitor(first, "10.3.0.1").sign_in("nobody-5", "guess").status_code == 401
    assert_throttled(Visitor(second, "10.3.0.1").sign_in("nobody-6", "guess"), json=False)


def test_an_unreachable_store_falls_back_to_counting_in_each_process(seeded):
    from web import create_app

    settings = replace(seeded.settings, rate_limit_storage="redis://127.0.0.1:1/0", **LOW)
    app = create_app(
        {"TESTING": True, "REGISTRY_SETTINGS": settings, "SECRET_KEY": "test-web-secret"}
    )
    try:
        guesser = Visitor(app, "10.3.1.1")
        statuses = [guesser.sign_in("nobody", f"guess-{i}").status_code for i in range(4)]
        assert statuses == [401, 401, 401, 429]
        token = wrong_token()
        assert [guesser.api("/me", token).status_code for _ in range(4)] == [401, 401, 401, 429]
        assert guesser.api("/me", seeded.token).status_code == 200
    finally:
        app.extensions["registry"].close()


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(build):
    app = build({"PROXY_HOPS": 1})
    guesser = Visitor(app, "127.0.0.1", headers={"X-Forwarded-For": "203.0.113.7"})
    for i in range(3):
        guesser.sign_in("clerk", f"guess-{i}")
    assert guesser.sign_in("clerk", PASSWORD).status_code == 429
    owner = Visitor(app, "127.0.0.1", headers={"X-Forwarded-For": "198.51.100.8"})
    assert owner.sign_in("clerk", PASSWORD).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app):
    statuses = [
        Visitor(app, "10.3.2.1", headers={"X-Forwarded-For": f"198.51.100.{i}"})
        .sign_in("nobody", "guess")
        .status_code
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


# -- settings -------------------------------------------------------------------------------


def test_the_default_limits_let_a_person_mistype_a_few_times_and_sign_in(seeded):
    from web import create_app

    app = create_app(
        {"TESTING": True, "REGISTRY_SETTINGS": seeded.settings, "SECRET_KEY": "test-web-secret"}
    )
    try:
        person = Visitor(app, "10.4.0.1")
        assert [person.sign_in("clerk", f"typo-{i}").status_code for i in range(4)] == [401] * 4
        assert person.sign_in("clerk", PASSWORD).status_code == 302
    finally:
        app.extensions["registry"].close()


def test_limits_come_from_the_environment_and_a_wrong_one_stops_the_app_from_starting(tmp_path):
    from web import create_app

    env = {
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
        "REGISTRY_SECRET_KEY": "s",
        "REGISTRY_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        "REGISTRY_AUTH_FAILURES_PER_ADDRESS": "10/minute",
    }
    settings = Settings.from_env(env)
    assert settings.rate_limit_storage == "redis://127.0.0.1:6379/0"
    assert settings.auth_failures_per_address == "10/minute"
    assert settings.verify_failures_per_address == Settings.verify_failures_per_address
    wrong = Settings.from_env({**env, "REGISTRY_VERIFY_LOOKUPS_PER_ADDRESS": "lots"})
    with pytest.raises(ValueError, match="REGISTRY_VERIFY_LOOKUPS_PER_ADDRESS"):
        create_app({"TESTING": True, "REGISTRY_SETTINGS": wrong})


# -- the production configuration (infra/gunicorn.conf.py) ----------------------------------


@pytest.fixture
def two_servers(tmp_path, redis_url):
    """Two gunicorn processes with infra's configuration over one database and one Redis."""
    import subprocess

    from tests.e2e.test_serve import BIN, ROOT, clean_env, free_port, wait_until_up

    settings = make_settings(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path)
    initialise(settings)
    servers, urls = [], []
    env = clean_env(
        tmp_path,
        REGISTRY_DATABASE_URL=settings.database_url,
        REGISTRY_SECRET_KEY="test-secret",
        REGISTRY_WEB_WORKERS="1",
        REGISTRY_RATE_LIMIT_STORAGE=redis_url,
        REGISTRY_ACCESS_LOG="/dev/null",
        REGISTRY_AUTH_FAILURES_PER_ADDRESS="3/minute",
    )
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [
                        str(BIN / "gunicorn"),
                        "-c",
                        str(ROOT / "infra" / "gunicorn.conf.py"),
                        "web.wsgi:app",
                    ],
                    cwd=ROOT,
                    env={**env, "REGISTRY_BIND": f"127.0.0.1:{port}"},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, server in zip(urls, servers):
            wait_until_up(f"{url}/api/v1/openapi.json", server)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def http_sign_in(url: str, client: str, name: str):
    """A sign-in as the TLS proxy passes it on: X-Forwarded-For says who the client is,
    X-Forwarded-Proto that it came over HTTPS (so the browser sent its Secure cookie and
    a same-origin Referer, as Flask-WTF wants over HTTPS)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    forwarded = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https"}
    with urllib.request.urlopen(
        urllib.request.Request(f"{url}/sign-in", headers=forwarded)
    ) as page:
        token = CSRF.search(page.read().decode()).group(1)
        first = page.headers
    cookie = first["Set-Cookie"].split(";", 1)[0]
    body = urllib.parse.urlencode({"csrf_token": token, "name": name, "password": "guess"})
    referer = url.replace("http://", "https://") + "/sign-in"
    request = urllib.request.Request(
        f"{url}/sign-in",
        data=body.encode(),
        headers={**forwarded, "Cookie": cookie, "Referer": referer},
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.headers, first
    except urllib.error.HTTPError as error:
        return error.code, error.headers, first


def test_gunicorn_processes_of_the_infra_configuration_count_failures_together(
    two_servers, redis_url
):
    import redis

    # Infra's key prefix is the production one: this run's names and address are its own.
    run = uuid.uuid4().hex[:8]
    client = f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    try:
        statuses = [
            http_sign_in(two_servers[i % 2], client, f"nobody-{run}-{i}")[0] for i in range(3)
        ]
        assert statuses == [401, 401, 401]
        status, headers, _ = http_sign_in(two_servers[1], client, f"nobody-{run}-3")
        assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
        # Another client behind the same proxy is its own address, on either process.
        assert http_sign_in(two_servers[0], client + "0", f"nobody-{run}-4")[0] == 401
    finally:
        store = redis.Redis.from_url(redis_url)
        for pattern in (f"*{client}*", f"*{run}*"):
            for key in store.scan_iter(match=pattern):
                store.delete(key)


def test_the_infra_configuration_sends_a_secure_cookie_and_hsts(two_servers):
    import urllib.request

    with urllib.request.urlopen(f"{two_servers[0]}/sign-in") as answer:
        page = answer.headers
    assert "; Secure" in page["Set-Cookie"] and "HttpOnly" in page["Set-Cookie"]
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
