"""The errors of `instantjson.redis` (besides `instantjson.ProducerLostError`).

```
InstantJSONError
└── RedisStreamError                 a stream key's trouble: `key`
    ├── StreamNotFoundError(LookupError)  nothing under the key: `expired` tells why
    ├── ForeignStreamError           the key holds data instantjson did not write
    ├── StreamTrimmedError           entries were trimmed away (MAXLEN) before they were read
    ├── AlreadyPublishedError        a second publish() for a key
    └── RedisUnavailableError        Redis could not be reached (in time)
```
"""

from __future__ import annotations

from .._exceptions import InstantJSONError

__all__ = [
    "AlreadyPublishedError",
    "ForeignStreamError",
    "RedisStreamError",
    "RedisUnavailableError",
    "StreamNotFoundError",
    "StreamTrimmedError",
]


class RedisStreamError(InstantJSONError):
    """Base of the errors about one shared stream; `key` is the stream's key (as `new_key()`
    returned it)."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


class StreamNotFoundError(RedisStreamError, LookupError):
    """Nothing is stored under the key: `expired` is True when the stream existed and its TTL has
    passed (the key was made more than `ttl` seconds ago), False when the key was never reserved
    by `new_key()` (or Redis lost it: evicted under `maxmemory`, restarted without persistence)."""

    def __init__(self, message: str, *, key: str | None = None, expired: bool = False) -> None:
        super().__init__(message, key=key)
        self.expired = expired


class ForeignStreamError(RedisStreamError):
    """The Redis keys of this stream hold data that instantjson did not write (another program's
    stream or value, or a newer format)."""


class StreamTrimmedError(RedisStreamError):
    """Entries of the stream were trimmed away (the store's `maxlen`) before this consumer read
    them: a response cannot be rebuilt without its start. Raise `maxlen`."""


class AlreadyPublishedError(RedisStreamError):
    """`publish()` was called for a key that already has (or had) a publisher: one response per key."""


class RedisUnavailableError(RedisStreamError, ConnectionError):
    """Redis could not be reached, or did not answer, within the allowed time (the publisher's
    lease, or a consumer's `reconnect_timeout`). The cause is chained (`__cause__`)."""
