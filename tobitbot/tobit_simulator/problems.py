"""RFC 9457 problem documents: the simulator's only way to refuse a request."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "urn:tobit-provisioning:problem:"


class Problem(Exception):
    """A refusal that becomes an application/problem+json response."""

    def __init__(self, status: int, name: str, title: str, detail: str, rule: str | None = None):
        super().__init__(detail)
        self.status = status
        self.name = name
        self.title = title
        self.detail = detail
        self.rule = rule

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.name, "title": self.title,
                                "status": self.status, "detail": self.detail}
        if self.rule:
            body["rule"] = self.rule
        return body


def bad_request(detail: str) -> Problem:
    return Problem(400, "bad-request", "Bad request", detail)


def unauthorized() -> Problem:
    return Problem(401, "unauthorized", "Unauthorized", "a valid bearer token is required")


def not_found(detail: str) -> Problem:
    return Problem(404, "not-found", "Not found", detail)


def conflict(name: str, detail: str, rule: str | None = None) -> Problem:
    return Problem(409, name, "Conflict", detail, rule)


def invalid(detail: str, name: str = "invalid-request") -> Problem:
    return Problem(422, name, "Unprocessable request", detail)
