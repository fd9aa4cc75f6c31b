"""The session pool's Lua scripts against a real Redis: the cap, the lock, leases, expiry."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis

from shared.filemaker import pool_scripts as S
from shared.keys import Keys

KEYS = Keys("t")
IDLE, BUSY, LOCK = KEYS.fm_tokens("fm"), KEYS.fm_token_busy("fm"), KEYS.fm_login_lock("fm")
RETIRING = KEYS.fm_token_retiring("fm")
ALL = [IDLE, BUSY, LOCK, RETIRING]


class Pool:
    def __init__(self, r: redis.Redis, max_sessions: int = 2, idle_s: float = 840,
                 lease_s: float = 30) -> None:
        self.r, self.max, self.idle_s, self.lease_s = r, max_sessions, idle_s, lease_s
        self.s = {n: r.register_script(getattr(S, n)) for n in
                  ("CHECKOUT", "COMMIT_LOGIN", "ABORT_LOGIN", "CHECKIN", "DISCARD",
                   "CLAIM_IDLE")}

    def checkout(self, owner: str = "me") -> tuple[str, str]:
        verb, token = self.s["CHECKOUT"](keys=ALL, args=[
            self.max, self.idle_s, self.lease_s, owner, 5000])
        return verb.decode(), token.decode()

    def commit(self, token: str, owner: str = "me") -> None:
        self.s["COMMIT_LOGIN"](keys=ALL, args=[token, owner, self.lease_s])

    def checkin(self, token: str) -> str:
        return self.s["CHECKIN"](keys=ALL, args=[token, self.max]).decode()

    def call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self.s[name](keys=keys, args=args)


@pytest.fixture
def pool(redis_client: redis.Redis) -> Pool:
    return Pool(redis_client)


def test_empty_pool_hands_out_the_login_lock(pool: Pool, redis_client: redis.Redis) -> None:
    assert pool.checkout("a") == ("login", "")
    assert redis_client.get(LOCK) == b"a"
    assert 0 < redis_client.pttl(LOCK) <= 5000


def test_only_one_login_at_a_time(pool: Pool) -> None:
    assert pool.checkout("a")[0] == "login"
    assert pool.checkout("b") == ("wait", "login")


def test_commit_releases_the_lock_and_checks_the_token_out(pool: Pool,
                                                          redis_client: redis.Redis) -> None:
    pool.checkout("a")
    pool.commit("T1", "a")
    assert redis_client.get(LOCK) is None
    assert redis_client.hexists(BUSY, "T1")
    assert pool.checkout("b") == ("login", "")


def test_the_cap_counts_idle_busy_and_logging_in(pool: Pool) -> None:
    pool.checkout("a")
    pool.commit("T1", "a")
    pool.checkout("b")
    pool.commit("T2", "b")
    assert pool.checkout("c") == ("wait", "full")
    assert pool.checkin("T1") == "ok"
    assert pool.checkout("c") == ("token", "T1")
    assert pool.checkout("d") == ("wait", "full")


def test_the_most_recently_used_token_goes_out_first(pool: Pool) -> None:
    for t in ("T1", "T2"):
        pool.checkout(t)
        pool.commit(t, t)
    pool.checkin("T1")
    time.sleep(0.01)
    pool.checkin("T2")
    assert pool.checkout() == ("token", "T2")


def test_abort_login_gives_the_slot_back(pool: Pool, redis_client: redis.Redis) -> None:
    pool.checkout("a")
    assert pool.call("ABORT_LOGIN", [LOCK], ["someone-else"]) == 0
    assert pool.call("ABORT_LOGIN", [LOCK], ["a"]) == 1
    assert redis_client.get(LOCK) is None


def test_discard_forgets_a_token(pool: Pool, redis_client: redis.Redis) -> None:
    pool.checkout()
    pool.commit("T1")
    assert pool.call("DISCARD", ALL, ["T1"]) == 1
    assert redis_client.hlen(BUSY) == 0 and redis_client.zcard(IDLE) == 0


def test_checkin_of_a_reclaimed_token_is_gone(pool: Pool) -> None:
    assert pool.checkin("never-seen") == "gone"


def test_expired_lease_comes_back_to_the_pool(redis_client: redis.Redis) -> None:
    pool = Pool(redis_client, lease_s=0.05)
    pool.checkout()
    pool.commit("T1")
    time.sleep(0.1)
    assert pool.checkout() == ("token", "T1")


def test_a_token_near_idle_expiry_is_retired(redis_client: redis.Redis) -> None:
    pool = Pool(redis_client, idle_s=0.05)
    pool.checkout()
    pool.commit("T1")
    pool.checkin("T1")
    time.sleep(0.1)
    assert pool.checkout() == ("retire", "T1")
    assert redis_client.hexists(BUSY, "T1")        # still counted until logged out


def test_over_the_cap_a_checkin_retires(pool: Pool, redis_client: redis.Redis) -> None:
    # A login that outlived its lock: three sessions exist where two are allowed.
    for t in ("T1", "T2", "T3"):
        redis_client.hset(BUSY, t, f"{time.time() + 60:.3f} {time.time():.3f}")
    assert pool.checkin("T1") == "retire"
    assert pool.checkin("T2") == "retire"
    pool.call("DISCARD", ALL, ["T1"])
    assert pool.checkin("T2") == "ok"


def test_claim_idle_takes_only_idle_tokens(pool: Pool, redis_client: redis.Redis) -> None:
    for t in ("T1", "T2"):
        pool.checkout(t)
        pool.commit(t, t)
    pool.checkin("T1")
    claimed = pool.call("CLAIM_IDLE", ALL, [30, "T1", "T2", "T3"])
    assert claimed == [b"T1"]
    assert redis_client.hexists(BUSY, "T1") and redis_client.zcard(IDLE) == 0
    assert redis_client.smembers(RETIRING) == {b"T2"}     # busy elsewhere: retire later
    assert pool.checkin("T2") == "retire"
    assert redis_client.hexists(BUSY, "T2")                # counted until logged out
    pool.call("DISCARD", ALL, ["T2"])
    assert redis_client.hlen(BUSY) == 1 and redis_client.scard(RETIRING) == 0


def test_a_retiring_token_whose_lease_ran_out_is_retired_next(redis_client: redis.Redis) -> None:
    pool = Pool(redis_client, lease_s=0.05)
    pool.checkout()
    pool.commit("T1")
    pool.call("CLAIM_IDLE", ALL, [30, "T1"])
    time.sleep(0.1)
    assert pool.checkout() == ("retire", "T1")
