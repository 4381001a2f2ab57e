"""The outbox's steps that must happen at once in Redis (Lua scripts run atomically there).

Each kept call has a sequence number (SEQ_KEY, drawn from one counter, so numbers compare across
keys: a status post's revision against the updates of the message it became) and, while a
process tries it, that try's token (HOLDER_KEY): a try whose lease ran out finds another token
and changes nothing. SHOWN_KEY holds, per key, the number of the newest call Slack took.
"""

from __future__ import annotations

CALLS_KEY = "tobitbot:outbox"                  # hash: key -> the kept call (JSON)
DUE_KEY = "tobitbot:outbox:due"                # sorted set: key -> when it may be tried next
SEQ_KEY = "tobitbot:outbox:seq"                # hash: key -> the kept call's sequence number
HOLDER_KEY = "tobitbot:outbox:holder"          # hash: key -> the token of the try holding it
COUNTER_KEY = "tobitbot:outbox:counter"        # the last sequence number given out
SHOWN_KEY = "tobitbot:outbox:shown:{key}"      # the newest sequence number Slack took under key

# KEYS: calls, due, seq, counter, shown. ARGV: key, call, now, its number ('' = the next one).
# Refuses (0) a call older than the one kept or the one Slack last took under the key.
KEEP = """local seq = tonumber(ARGV[4])
if not seq then seq = redis.call('INCR', KEYS[4])
else
  local kept = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  local shown = tonumber(redis.call('GET', KEYS[5]) or '0')
  if seq <= kept or seq <= shown then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
return seq"""

# KEYS: calls, seq, counter. ARGV: key, the call as read, the revised call. 1 = revised (and
# numbered as the newest), 0 = none kept, -1 = replaced meanwhile (read again)
REVISE = """local now = redis.call('HGET', KEYS[1], ARGV[1])
if not now then return 0 end
if now ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], redis.call('INCR', KEYS[3]))
return 1"""

# KEYS: calls, due, seq, holder. ARGV: key, now, lease end, token. The call and its number if
# it was due (now held for a lease under the token), else false
CLAIM = """local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
local call = redis.call('HGET', KEYS[1], ARGV[1])
if not call then redis.call('ZREM', KEYS[2], ARGV[1]) return false end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
return {call, redis.call('HGET', KEYS[3], ARGV[1]) or '0'}"""

# after a failed try. KEYS: calls, due, seq, holder. ARGV: key, the call tried, the call to
# keep ('' = drop it), when it is due, now, token. A newer call that replaced the one tried is
# due at once; a try that lost its lease (-1) leaves all to the try that holds it now
SETTLE = """if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[6] then return -1 end
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  if ARGV[3] == '' then
    redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
  else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
  return 1 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
return 0"""

# after Slack took the call. KEYS: calls, due, seq, holder, shown. ARGV: key, the call tried,
# its number, '1' to take out a revision (a post whose message a newer call revised), now,
# token, how long the number shown is kept. {1, revision, its number} or {0}; {-1}: the try
# lost its lease, and the try that holds it now finishes the call
DONE = """if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[6] then return {-1} end
redis.call('HDEL', KEYS[4], ARGV[1])
if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[5]) or '0') then
  redis.call('SET', KEYS[5], ARGV[3], 'EX', ARGV[7]) end
local now = redis.call('HGET', KEYS[1], ARGV[1])
if now == ARGV[2] or (now and ARGV[4] == '1') then
  local seq = redis.call('HGET', KEYS[3], ARGV[1]) or '0'
  redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  if now ~= ARGV[2] then return {1, now, seq} end
  return {0} end
if now then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
return {0}"""
