import pytest

from commands.contract import CustomerState
from commands.customers import require_customer
from commands.errors import NotFound


class Reader:
    def __init__(self, *slugs):
        self.states = {s: CustomerState(slug=s, display_name=s.title()) for s in slugs}

    def customer(self, slug):
        return self.states.get(slug)

    def customer_slugs(self):
        return sorted(self.states)


@pytest.mark.parametrize("asked, hint", [
    ("acme", None),
    ("acmee", "Did you mean `acme`?"),
    ("globx", "Did you mean `globex`?"),
    ("zzz", "onboard-customer"),
])
def test_require_customer(asked, hint):
    reader = Reader("acme", "globex")
    if hint is None:
        assert require_customer(reader, asked).slug == "acme"
    else:
        with pytest.raises(NotFound) as err:
            require_customer(reader, asked)
        assert hint in str(err.value) and f"`{asked}`" in str(err.value)
