"""What the bot writes on a contract it can read back: booking totals stay within BOOKED_MAX, and
any entry the encoder writes is one the reader accepts (a total of 1000090 GB locked a customer
out: the planner wrote it, the reader refused it)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands import model as m
from commands.contract import BOOKED_MAX
from commands.contract_codec import (
    PLAIN_KEYS, decode, encode, encode_entry, entries_to_dict, parse_entry,
)
from commands.errors import ContractError, RuleViolation, UserError
from commands.planner import plan
from commands.values import MAX_COUNT
from tests.unit.builders import customer

COUNTED = {"tobit-addon": "tobit_addon", "tobit-solo": "tobit_solo",
           "extra-storage": "extra_storage_gb"}


def booked(product: str, current: int):
    """ACME with `current` of `product` booked (enough addon licences under the solo ones)."""
    if product == "tobit-addon":
        return customer(addon=current)
    if product == "tobit-solo":
        return customer(solo=current)
    return customer(extra_storage_gb=current)


def written(p) -> str | None:
    """The value the plan's booking step writes on the OU."""
    (step,) = [s for s in p.steps if s.key == "ad.set_contract"]
    return step.args["value"]


@pytest.mark.parametrize("product, current, quantity, rule", [
    ("extra-storage", 999_990, 100, "R7"),          # the reviewer's case: 1000090 GB
    ("extra-storage", BOOKED_MAX, 1, "R7"),
    ("tobit-addon", BOOKED_MAX - 5, 6, "R5"),
    ("tobit-addon", BOOKED_MAX, None, "R5"),        # `book acme tobit-addon` adds one
    ("tobit-solo", BOOKED_MAX - 1, 2, "R5"),
])
def test_a_booking_the_contract_could_not_record_is_refused_naming_rule_and_limit(
        product, current, quantity, rule):
    with pytest.raises(RuleViolation) as err:
        plan(m.Book("acme", product, quantity), booked(product, current))
    assert err.value.rule == rule and f"at most {BOOKED_MAX}" in err.value.message
    room = BOOKED_MAX - current
    assert (f"at most {room} more" if room else "No more") in err.value.hint


@pytest.mark.parametrize("product", sorted(COUNTED))
def test_a_booking_up_to_the_limit_is_written_and_read_back(product):
    state = booked(product, BOOKED_MAX - 10)
    value = written(plan(m.Book("acme", product, 10), state))
    assert value == str(BOOKED_MAX)
    facts = entries_to_dict([encode_entry(f"book:{product}", value)])
    assert facts == {f"book:{product}": str(BOOKED_MAX)}


@given(st.sampled_from(sorted(COUNTED)), st.integers(0, BOOKED_MAX), st.integers(1, MAX_COUNT))
def test_whatever_a_booking_plan_writes_the_reader_accepts(product, current, quantity):
    state = booked(product, current)
    try:
        p = plan(m.Book("acme", product, quantity), state)
    except RuleViolation as err:
        assert current + quantity > BOOKED_MAX and f"at most {BOOKED_MAX}" in err.message
        return
    key = f"book:{product}"                          # set as workers/ad/contract.py sets it
    kept = [e for e in encode(state) if parse_entry(e)[0] != key]
    after = decode("acme", [*kept, encode_entry(key, written(p))], None, [])
    assert getattr(after.bookings, COUNTED[product]) == current + quantity


@pytest.mark.parametrize("value, read", [
    (str(BOOKED_MAX), True), ("0", True), (str(BOOKED_MAX + 1), False), ("1000090", False),
])
def test_the_reader_holds_the_same_bound(value, read):
    entry = f"tobitbot:book:extra-storage={value}"
    if read:
        assert entries_to_dict([entry]) == {"book:extra-storage": value}
    else:
        with pytest.raises(ContractError, match=f"at most {BOOKED_MAX}"):
            entries_to_dict([entry])


KEYS = sorted(PLAIN_KEYS | {"tls:acme.de", "tls:müller-bau.de", "pbx:berlin"})
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["yes", "no", "tobit", "exchange", "none", "enterprise-desktop", "0", "10",
                     str(BOOKED_MAX), str(BOOKED_MAX + 1), "https://tobit.acme.de",
                     "http://127.0.0.1:8080", "http://tobit.acme.de", "xcapi sip:trunk@pbx.acme.de",
                     "gateway sip:gw@10.0.0.5:5060", "other sip:a@b.de",
                     "Jörg Müller; Anna Schmidt"]),
    st.integers(0, 2 * BOOKED_MAX).map(str),
)


@given(st.sampled_from(KEYS), VALUES)
def test_any_entry_the_encoder_writes_the_reader_accepts(key, value):
    try:
        entry = encode_entry(key, value)
    except (ValueError, UserError):
        return                                       # refused on the way in: never written
    assert entries_to_dict([entry]) == {key: value}


@pytest.mark.parametrize("key, value", [
    ("book:extra-storage", str(BOOKED_MAX + 1)), ("book:tobit-addon", "1000090"),
    ("book:cti", "maybe"), ("mail-product", "Exchange"), ("legal:seat", " "),
])
def test_the_encoder_refuses_what_the_reader_would_refuse(key, value):
    with pytest.raises(ValueError, match="would be refused when read"):
        encode_entry(key, value)

