"""Looking a customer up through the read-only contract port, with a "did you mean"."""

from __future__ import annotations

import difflib

from commands.contract import ContractReader, CustomerState
from commands.errors import NotFound


def require_customer(reader: ContractReader, slug: str) -> CustomerState:
    """The customer's state, or NotFound naming the closest known customer.

    A typo must never create or touch another customer: nothing here guesses, it only suggests.
    """
    state = reader.customer(slug)
    if state is not None:
        return state
    close = difflib.get_close_matches(slug, reader.customer_slugs(), n=1, cutoff=0.6)
    hint = (f"Did you mean `{close[0]}`?" if close else
            "Check the customer's short name with your team, or onboard it with `onboard-customer`.")
    raise NotFound(f"Unknown customer `{slug}`.", hint=hint)
