import redis


def test_redis_server_runs_with_aof(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.ping()
    assert client.config_get("appendonly")["appendonly"] == "yes"
