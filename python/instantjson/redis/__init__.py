"""Resumable responses across processes on Redis Streams (extra `[redis]`: redis-py >= 5).

```python
from instantjson.redis import RedisStreams

store = RedisStreams("redis://127.0.0.1:6379/0", ttl=3600)
key = await store.new_key()                                # reserves the key in Redis
task = asyncio.create_task(store.publish(response, key))   # drives the response to its end
remote = store.attach(key)      # in any process: a Response with the same views and getters
async for event in remote.get_async_generator(type="instant"): ...
```

One Redis Stream per response, one entry per network read, bounded by `MAXLEN` and expiring
`ttl` seconds after the end; a publisher lease that consumers watch (`ProducerLostError`
within `producer_timeout` when the publisher dies); cluster-safe keys (hash tags).
See `RedisStreams` for the guarantees and the errors.
"""

from __future__ import annotations

try:
    import redis.asyncio  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("instantjson.redis needs redis-py (>= 5): pip install 'instantjson[redis]'") from exc

from .._exceptions import ProducerLostError as ProducerLostError
from .._providers.normalized import RemoteError as RemoteError
from ._errors import AlreadyPublishedError as AlreadyPublishedError
from ._errors import ForeignStreamError as ForeignStreamError
from ._errors import RedisStreamError as RedisStreamError
from ._errors import RedisUnavailableError as RedisUnavailableError
from ._errors import StreamNotFoundError as StreamNotFoundError
from ._errors import StreamTrimmedError as StreamTrimmedError
from ._store import FORMAT as FORMAT
from ._store import RedisStreams as RedisStreams

__all__ = [
    "FORMAT",
    "AlreadyPublishedError",
    "ForeignStreamError",
    "ProducerLostError",
    "RedisStreamError",
    "RedisStreams",
    "RedisUnavailableError",
    "RemoteError",
    "StreamNotFoundError",
    "StreamTrimmedError",
]


def _fix_module_names() -> None:
    for name in __all__:
        obj = globals()[name]
        if isinstance(obj, type) and obj.__module__.startswith("instantjson.redis."):
            obj.__module__ = "instantjson.redis"


_fix_module_names()
del _fix_module_names
