"""Takes a one-time secret that a worker left encrypted, exactly once (R18)."""

from __future__ import annotations

import redis
from cryptography.fernet import Fernet, InvalidToken

from commands.events import SECRET_KEY


class SecretInbox:
    def __init__(self, client: redis.Redis, key: str):
        self._redis = client
        self._fernet = Fernet(key.encode())

    def take(self, request_id: str, name: str) -> str | None:
        token = self._redis.getdel(SECRET_KEY.format(request_id=request_id, name=name))
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            return None
