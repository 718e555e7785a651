"""The Lua scripts of `instantjson.redis`: each a single atomic step on one stream's three keys.

Keys (one hash tag, so they live in one Redis Cluster slot and one script may touch them all):
`{<prefix>:<id>}:meta` (a hash: `format`, `state`, `entries`, `publisher`, `created`),
`{<prefix>:<id>}:lease` (the live publisher's token, with a PX expiry) and
`{<prefix>:<id>}:stream` (the Redis Stream; entry fields `n` (0-based entry number), `e` (one
normalized payload, JSON), and on the last entry `end` (`ok` | `error`) or `lost` (a reason)).

States: `reserved` (by `new_key()`; the lease holds `reserved` for one lease period) ->
`publishing` (claimed by one publisher) -> `done` | `lost`. `lost` is written by whoever sees
the lease gone first (a consumer), or by a publisher that gives up: it appends a `lost` entry,
so every consumer, now or later, ends at the same place.

Every script returns a list whose first element is a status word.
"""

from __future__ import annotations

__all__ = ["APPEND", "CLAIM", "LOST", "REFRESH", "RESERVE"]

RESERVE = """
redis.call('HSET', KEYS[1], 'format', ARGV[1], 'state', 'reserved', 'entries', 0, 'created', ARGV[2])
redis.call('SET', KEYS[2], 'reserved', 'PX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'OK'}
"""
"""KEYS: meta, lease. ARGV: format, created (ms), lease_ms, ttl."""

CLAIM = """
local meta, lease = KEYS[1], KEYS[2]
local f = redis.call('HMGET', meta, 'format', 'state')
if not f[1] then
  if redis.call('EXISTS', meta) == 1 then return {'FOREIGN'} end
  return {'MISSING'}
end
if f[1] ~= ARGV[1] then return {'FOREIGN', f[1]} end
if f[2] ~= 'reserved' then return {'STATE', f[2]} end
redis.call('HSET', meta, 'state', 'publishing', 'publisher', ARGV[2])
redis.call('SET', lease, ARGV[2], 'PX', ARGV[3])
redis.call('EXPIRE', meta, ARGV[4])
return {'OK'}
"""
"""KEYS: meta, lease. ARGV: format, token, lease_ms, ttl."""

APPEND = """
local stream, meta, lease = KEYS[1], KEYS[2], KEYS[3]
local f = redis.call('HMGET', meta, 'publisher', 'state', 'entries')
if f[1] ~= ARGV[1] then return {'NOTOWNER', tostring(f[2])} end
local n = tonumber(ARGV[2])
local count = #ARGV - 6
local entries = tonumber(f[3])
if entries == n + count then return {'DUP'} end
if f[2] ~= 'publishing' then return {'STATE', f[2]} end
if entries ~= n then return {'GAP', tostring(entries)} end
for i = 1, count do
  if i == count and ARGV[6] ~= '' then
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[3], '*', 'n', n + i - 1, 'e', ARGV[6 + i], 'end', ARGV[6])
  else
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[3], '*', 'n', n + i - 1, 'e', ARGV[6 + i])
  end
end
redis.call('HSET', meta, 'entries', n + count)
if ARGV[6] ~= '' then
  redis.call('HSET', meta, 'state', 'done')
  redis.call('DEL', lease)
else
  redis.call('SET', lease, ARGV[1], 'PX', ARGV[4])
end
redis.call('EXPIRE', stream, ARGV[5])
redis.call('EXPIRE', meta, ARGV[5])
return {'OK'}
"""
"""KEYS: stream, meta, lease. ARGV: token, first entry number, maxlen, lease_ms, ttl, end ('' while
open, else 'ok' | 'error'), then one payload per entry. Idempotent: a retried call whose first
try was applied returns DUP."""

REFRESH = """
local stream, meta, lease = KEYS[1], KEYS[2], KEYS[3]
local f = redis.call('HMGET', meta, 'publisher', 'state')
if f[1] ~= ARGV[1] or f[2] ~= 'publishing' then return {'STATE', tostring(f[2])} end
redis.call('SET', lease, ARGV[1], 'PX', ARGV[2])
redis.call('EXPIRE', meta, ARGV[3])
redis.call('EXPIRE', stream, ARGV[3])
return {'OK'}
"""
"""KEYS: stream, meta, lease. ARGV: token, lease_ms, ttl."""

LOST = """
local stream, meta, lease = KEYS[1], KEYS[2], KEYS[3]
local f = redis.call('HMGET', meta, 'format', 'state', 'entries', 'publisher')
if not f[1] then return {'MISSING'} end
local state = f[2]
if state ~= 'reserved' and state ~= 'publishing' then return {'ENDED', tostring(state)} end
if ARGV[4] == '' then
  if redis.call('EXISTS', lease) == 1 then return {'ALIVE'} end
elseif f[4] ~= ARGV[4] then
  return {'NOTOWNER'}
end
local n = tonumber(f[3])
local reason = ARGV[3]
if reason == '' then
  if state == 'reserved' then reason = 'never_started' else reason = 'lease_expired' end
end
redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], '*', 'n', n, 'lost', reason)
redis.call('HSET', meta, 'state', 'lost', 'entries', n + 1)
redis.call('DEL', lease)
redis.call('EXPIRE', stream, ARGV[2])
redis.call('EXPIRE', meta, ARGV[2])
return {'LOST', reason}
"""
"""KEYS: stream, meta, lease. ARGV: maxlen, ttl, reason ('' = from the state), token ('' from a
consumer: only when the lease is gone; a publisher's token: it gives up)."""
