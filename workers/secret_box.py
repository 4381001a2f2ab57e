"""Hands a one-time secret (a new password) to the bot without it ever lying in Redis in clear.

Encrypted with the shared TOBITBOT_SECRETS_KEY (Fernet), kept for a short time, read once by
the bot, which shows it to the requester only (R18).
"""

from __future__ import annotations

import redis
from cryptography.fernet import Fernet

from commands.events import SECRET_KEY

SECRET_TTL_SECONDS = 15 * 60


class SecretBox:
    def __init__(self, client: redis.Redis, key: str):
        self._redis = client
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    def put(self, request_id: str, name: str, value: str) -> None:
        token = self._fernet.encrypt(value.encode())
        self._redis.set(SECRET_KEY.format(request_id=request_id, name=name), token,
                        ex=SECRET_TTL_SECONDS)
