"""The login throttle (data.login_throttle) on a real Redis: growing delays per (account,
address), other addresses untouched, the account's count for addresses it does not know, the
console-wide cap against spraying, forgetting, and what `user list` is shown. Time is passed in
(`now`), so the delays are stepped through, not waited for."""

from __future__ import annotations

import pytest
import redis

from data.login_throttle import (
    ACCOUNT,
    ACCOUNT_FREE,
    FORGET_AFTER_S,
    MAX_DELAY_S,
    PAIR_FREE,
    LoginThrottle,
    delay_after,
)

T0 = 1_800_000_000.0  # a Tuesday in 2027, 08:00 UTC: the start of a minute
ADMIN = "admin"
ATTACKER, OFFICE, HOME = "203.0.113.9", "10.1.2.3", "2001:db8::7"


@pytest.fixture
def throttle(redis_client: redis.Redis) -> LoginThrottle:
    return LoginThrottle(redis_client, "kup:test:throttle", spray_limit=1000)


def _fail_until_waiting(throttle: LoginThrottle, address: str, now: float, times: int) -> float:
    """Fail `times` times from `address`, each as soon as allowed; when the last failed."""
    for _ in range(times):
        refusal = throttle.check(ADMIN, address, now)
        if refusal is not None:
            now += refusal.wait + 0.001
        assert throttle.check(ADMIN, address, now) is None
        throttle.failed(ADMIN, address, now)
    return now


def test_delays_double_after_the_free_failures_up_to_the_cap() -> None:
    assert [delay_after(n, PAIR_FREE) for n in range(PAIR_FREE)] == [0.0] * PAIR_FREE
    assert [delay_after(PAIR_FREE + k, PAIR_FREE) for k in range(5)] == [1, 2, 4, 8, 16]
    assert delay_after(PAIR_FREE + 40, PAIR_FREE) == MAX_DELAY_S
    assert delay_after(10**9, PAIR_FREE) == MAX_DELAY_S


def test_a_pair_waits_longer_after_each_failure(throttle: LoginThrottle) -> None:
    now = _fail_until_waiting(throttle, ATTACKER, T0, PAIR_FREE)
    waits = []
    for _ in range(6):
        refusal = throttle.check(ADMIN, ATTACKER, now)
        assert refusal is not None and refusal.reason == "address"
        waits.append(round(refusal.wait, 3))
        now += refusal.wait - 0.01
        assert throttle.check(ADMIN, ATTACKER, now) is not None  # not a moment early
        now += 0.02
        assert throttle.check(ADMIN, ATTACKER, now) is None
        throttle.failed(ADMIN, ATTACKER, now)
    assert waits == [1, 2, 4, 8, 16, 32]


def test_failures_from_one_address_never_make_another_wait(throttle: LoginThrottle) -> None:
    now = _fail_until_waiting(throttle, ATTACKER, T0, 3 * ACCOUNT_FREE)
    assert throttle.check(ADMIN, ATTACKER, now) is not None
    # Neither the account's office (a known address) nor a new one waits.
    throttle.succeeded(ADMIN, OFFICE)
    assert throttle.check(ADMIN, OFFICE, now) is None
    assert throttle.check(ADMIN, HOME, now) is None
    assert throttle.check("manager", ATTACKER, now) is None  # nor does another account


def test_many_addresses_make_only_unknown_addresses_wait(throttle: LoginThrottle) -> None:
    throttle.succeeded(ADMIN, OFFICE)
    now = T0
    for k in range(ACCOUNT_FREE // PAIR_FREE + 1):  # a botnet: each address fails PAIR_FREE times
        now = _fail_until_waiting(throttle, f"198.51.100.{k}", now, PAIR_FREE)
    refusal = throttle.check(ADMIN, HOME, now)
    assert refusal is not None and refusal.reason == "account"
    assert throttle.check(ADMIN, OFFICE, now) is None  # the admin's own machine
    assert throttle.check("manager", HOME, now) is None


def test_spraying_makes_addresses_new_to_an_account_wait_until_the_next_minute(
    redis_client: redis.Redis,
) -> None:
    throttle = LoginThrottle(redis_client, "kup:test:spray", spray_limit=5)
    throttle.succeeded("duty", OFFICE)
    now = T0 + 10
    for k in range(5):  # one password tried on five accounts, from five addresses
        throttle.failed(f"user{k}", f"198.51.100.{k}", now)
    assert throttle.failures_this_minute(now) == 5
    refusal = throttle.check("duty", HOME, now)
    assert refusal is not None and refusal.reason == "spray"
    assert refusal.wait == pytest.approx(50) and refusal.retry_after == 50
    assert throttle.check("duty", OFFICE, now) is None  # known to the account
    assert throttle.check("duty", HOME, T0 + 60) is None  # the next minute


def test_success_forgets_the_pairs_failures_and_the_admin_can_unlock(
    throttle: LoginThrottle,
) -> None:
    now = _fail_until_waiting(throttle, OFFICE, T0, PAIR_FREE)
    assert throttle.check(ADMIN, OFFICE, now) is not None
    throttle.succeeded(ADMIN, OFFICE)
    assert throttle.check(ADMIN, OFFICE, now) is None
    now = _fail_until_waiting(throttle, HOME, now, PAIR_FREE)
    now = _fail_until_waiting(throttle, ATTACKER, now, PAIR_FREE)
    throttle.clear(ADMIN, HOME)
    assert throttle.check(ADMIN, HOME, now) is None
    assert throttle.check(ADMIN, ATTACKER, now) is not None
    throttle.clear(ADMIN)
    assert throttle.check(ADMIN, ATTACKER, now) is None
    assert throttle.throttles(now) == []


def test_failures_are_forgotten_a_day_after_the_last(throttle: LoginThrottle) -> None:
    now = _fail_until_waiting(throttle, ATTACKER, T0, PAIR_FREE + 5)
    later = now + FORGET_AFTER_S + 1
    assert throttle.check(ADMIN, ATTACKER, later) is None
    throttle.failed(ADMIN, ATTACKER, later)  # counting starts again: one failure, no wait
    assert throttle.check(ADMIN, ATTACKER, later) is None
    assert [(t.address, t.failures) for t in throttle.throttles(later)] == [
        (ACCOUNT, 1),
        (ATTACKER, 1),
    ]


def test_the_list_shows_each_accounts_and_pairs_failures(throttle: LoginThrottle) -> None:
    now = _fail_until_waiting(throttle, ATTACKER, T0, PAIR_FREE + 2)
    throttle.failed("nobody", HOME, now)  # a name that is no account is listed too
    listed = throttle.throttles(now)
    assert [(t.account, t.address, t.failures) for t in listed] == [
        (ADMIN, ACCOUNT, PAIR_FREE),  # an address adds only its first PAIR_FREE
        (ADMIN, ATTACKER, PAIR_FREE + 2),
        ("nobody", ACCOUNT, 1),
        ("nobody", HOME, 1),
    ]
    attacker = listed[1]
    assert attacker.waiting(now) and attacker.until == pytest.approx(now + 4)
    assert not listed[0].waiting(now)
    assert throttle.throttles(now, accounts=["nobody"]) == listed[2:]
