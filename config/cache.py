"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's own backend builds a new `redis.Redis` client for every cache operation; building one fills a table of
some 170 response callbacks, about a third of a millisecond, and the API's rate limit and sign-in lockout ask
the cache three times per request. A client shares its pool's connections and is safe to share between threads.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient


def redis_client(cache):
    """The redis-py client behind a Django cache when it is Redis (for pipelines and raw values), else None."""
    client = getattr(cache, "_cache", None)
    if not isinstance(client, RedisCacheClient):
        return None
    return client.get_client(write=True)
