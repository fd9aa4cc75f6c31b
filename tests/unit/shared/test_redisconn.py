"""Redis URLs: one server, or Sentinel for the state client and the Celery broker."""

from __future__ import annotations

import pytest

from shared.config import RedisSettings
from shared.errors import ConfigError
from shared.redisconn import broker, parse_sentinel_url


def test_sentinel_url_names_sentinels_master_and_db():
    spec = parse_sentinel_url("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26380/mymaster/2")
    assert spec.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26380))
    assert (spec.master, spec.db, spec.password) == ("mymaster", 2, "pw")


def test_celery_gets_kombus_sentinel_form():
    url, options = broker(RedisSettings(url="redis+sentinel://h1:26379,h2:26379/main"))
    assert url == "sentinel://h1:26379/0;sentinel://h2:26379/0"
    assert options == {"master_name": "main"}


def test_plain_url_passes_through():
    assert broker(RedisSettings(url="redis://127.0.0.1:6379/0")) == ("redis://127.0.0.1:6379/0", {})


@pytest.mark.parametrize("url", ["redis+sentinel://h1:26379", "redis+sentinel:///main",
                                 "redis+sentinel://h1/main"])
def test_incomplete_sentinel_urls_say_how_they_should_look(url):
    with pytest.raises(ConfigError, match="redis.url"):
        parse_sentinel_url(url)
