"""The outbox's steps that must happen at once in Redis (Lua scripts run atomically there).

Each kept call has a sequence number (SEQ_KEY) and, while a process tries it, that try's token
(HOLDER_KEY): a try whose lease ran out finds another token and changes nothing. SHOWN_KEY holds,
per key, the number of the newest call Slack took. A number is `ms-n`, compared as a pair like a
Redis stream id: a status update is numbered by its job event's id in the outcomes stream, so
updates follow the order the events happened in, not the order a bot (one restarted, or one of
two) got to them; a call without an event is numbered when it is kept or revised, by Redis's
clock, as newer than every event published before that millisecond. A plain number (kept before
numbers were ids) counts as older than all of these.
"""

from __future__ import annotations

CALLS_KEY = "tobitbot:outbox"                  # hash: key -> the kept call (JSON)
DUE_KEY = "tobitbot:outbox:due"                # sorted set: key -> when it may be tried next
SEQ_KEY = "tobitbot:outbox:seq"                # hash: key -> the kept call's sequence number
HOLDER_KEY = "tobitbot:outbox:holder"          # hash: key -> the token of the try holding it
SHOWN_KEY = "tobitbot:outbox:shown:{key}"      # the newest sequence number Slack took under key

# `newer(a, b)`: is number a newer than b (false, nil: none); `now_seq()`: a number for now
_SEQ = """local function parts(s)
  if not s then return -1, 0 end
  local ms, n = string.match(s, '^(%d+)-(%d+)$')
  if ms then return tonumber(ms), tonumber(n) end
  return 0, tonumber(s) or 0
end
local function newer(a, b)
  local am, an = parts(a) local bm, bn = parts(b)
  return am > bm or (am == bm and an > bn)
end
local function now_seq()
  local t = redis.call('TIME')
  return string.format('%d-%s', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - 1,
                       '9007199254740991')
end
"""

# KEYS: calls, due, seq, shown. ARGV: key, call, now, its number ('' = now, kept whatever the
# key holds). Refuses (0) a call not newer than the one kept or the one Slack last took under key.
KEEP = _SEQ + """local seq = ARGV[4]
if seq == '' then seq = now_seq()
elseif not newer(seq, redis.call('HGET', KEYS[3], ARGV[1]))
    or not newer(seq, redis.call('GET', KEYS[4])) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
return 1"""

# KEYS: calls, seq, shown. ARGV: key, the call as read, the revised call, its number ('' = now).
# 1 = revised (and numbered so), 0 = none kept, -1 = replaced meanwhile (read again), 2 = refused:
# the kept call, or the one Slack took, is newer
REVISE = _SEQ + """local now = redis.call('HGET', KEYS[1], ARGV[1])
if not now then return 0 end
if now ~= ARGV[2] then return -1 end
local seq = ARGV[4]
if seq == '' then seq = now_seq()
elseif not newer(seq, redis.call('HGET', KEYS[2], ARGV[1]))
    or not newer(seq, redis.call('GET', KEYS[3])) then return 2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], seq)
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

# after Slack took the call. KEYS: calls, due, seq, holder, shown, and shown of the updates of
# the message a post became (the post's text is shown there: no older update may follow it).
# ARGV: key, the call tried, its number, '1' to take out a revision (a post whose message a
# newer call revised), now, token, how long the number shown is kept. {1, revision, its
# number} or {0}; {-1}: the try lost its lease, and the try that holds it now finishes the call
DONE = _SEQ + """if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[6] then return {-1} end
redis.call('HDEL', KEYS[4], ARGV[1])
for i = 5, 6 do
  if newer(ARGV[3], redis.call('GET', KEYS[i])) then redis.call('SET', KEYS[i], ARGV[3], 'EX', ARGV[7]) end
end
local now = redis.call('HGET', KEYS[1], ARGV[1])
if now == ARGV[2] or (now and ARGV[4] == '1') then
  local seq = redis.call('HGET', KEYS[3], ARGV[1]) or '0'
  redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  if now ~= ARGV[2] then return {1, now, seq} end
  return {0} end
if now then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
return {0}"""
