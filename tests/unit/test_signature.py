"""The German e-mail signature: every mandatory particular, or a refusal naming what is missing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from commands.contract import LegalInfo
from commands.errors import RuleViolation
from commands.signature import firm_name, signature_text
from tests.unit.builders import LEGAL


def test_signature_carries_every_mandatory_particular():
    text = signature_text("Jörg Müller", "joerg@acme.de", LEGAL, "ACME Maschinenbau GmbH")
    assert text == "\n".join([
        "Mit freundlichen Grüßen", "", "Jörg Müller", "E-Mail: joerg@acme.de", "", "-- ",
        "ACME Maschinenbau GmbH",
        "Sitz der Gesellschaft: Berlin",
        "Registergericht: Amtsgericht Charlottenburg",
        "Registernummer: HRB 12345",
        "Geschäftsführer: Jörg Müller, Anna Schmidt",
    ])


def test_a_brand_name_other_than_the_firm_is_shown_under_the_person():
    text = signature_text("Anna Schmidt", None, LEGAL, "ACME Tools")
    assert text.splitlines()[2:4] == ["Anna Schmidt", "ACME Tools"]
    assert "E-Mail" not in text


@pytest.mark.parametrize("form, board", [("AG", "Vorstand"), ("eG", "Vorstand"),
                                         ("GmbH", "Geschäftsführer"), ("UG (haftungsbeschränkt)", "Geschäftsführer")])
def test_the_board_is_named_as_the_legal_form_requires(form, board):
    text = signature_text("A B", None, replace(LEGAL, legal_form=form), "X")
    assert f"\n{board}: " in text


@pytest.mark.parametrize("company, form, expected", [
    ("ACME", "GmbH", "ACME GmbH"), ("ACME GmbH", "GmbH", "ACME GmbH"), ("acme gmbh", "GmbH", "acme gmbh"),
])
def test_the_legal_form_appears_once(company, form, expected):
    assert firm_name(replace(LEGAL, company=company, legal_form=form)) == expected


@pytest.mark.parametrize("legal, missing", [
    (LegalInfo(), "company, form, seat, court, register, directors"),
    (replace(LEGAL, register_court=None), "court"),
    (replace(LEGAL, managing_directors=()), "directors"),
])
def test_incomplete_legal_info_is_refused_under_r12(legal, missing):
    with pytest.raises(RuleViolation) as err:
        signature_text("A B", None, legal, "X")
    assert err.value.rule == "R12"
    assert missing in err.value.message
