"""The `/tobit` grammar, command by command: what parses to what, and what each refusal says."""

import pytest

from commands import model as m
from commands.errors import ParseError
from commands.parser import parse, tokenize

VALID = [
    # ---- customer
    ('onboard-customer acme "ACME GmbH" base=enterprise-service tobit-url=https://tobit.acme.de',
     m.OnboardCustomer("acme", "ACME GmbH", "enterprise-service", "https://tobit.acme.de")),
    ("Onboard-Customer ACME „Müller & Söhne GmbH“ BASE=none Tobit_URL=https://t.acme.de:8443/x "
     "mail=Exchange",
     m.OnboardCustomer("acme", "Müller & Söhne GmbH", "none", "https://t.acme.de:8443/x", "exchange")),
    ("onboard-customer acme name=\"Müller GmbH\" base=enterprise-desktop tobit-url=https://t.acme.de",
     m.OnboardCustomer("acme", "Müller GmbH", "enterprise-desktop", "https://t.acme.de")),
    ("onboard-customer acme Müller GmbH base=enterprise-platform tobit-url=https://t.acme.de",
     m.OnboardCustomer("acme", "Müller GmbH", "enterprise-platform", "https://t.acme.de")),
    ("book acme tobit-addon 10", m.Book("acme", "tobit-addon", 10)),
    ("book acme tobit-solo", m.Book("acme", "tobit-solo", 1)),
    ("book acme extra-storage 20", m.Book("acme", "extra-storage", 20)),
    ("book acme fax-shared", m.Book("acme", "fax-shared")),
    ("book acme MailStore", m.Book("acme", "mailstore")),
    ("book acme cti", m.Book("acme", "cti")),
    ("book acme fax-dedicated pbx=xcapi trunk=sip:pbx.acme.de:5060 site=Berlin",
     m.Book("acme", "fax-dedicated", pbx="xcapi", trunk="sip:pbx.acme.de:5060", site="berlin")),
    ("book acme fax-dedicated pbx=other", m.Book("acme", "fax-dedicated", pbx="other")),
    ("cancel acme tobit-addon 2", m.Cancel("acme", "tobit-addon", 2)),
    ("cancel acme mailstore", m.Cancel("acme", "mailstore")),
    ("cancel acme fax-dedicated site=hamburg", m.Cancel("acme", "fax-dedicated", site="hamburg")),
    ("set-domain acme acme.de", m.SetDomain("acme", "acme.de")),
    ("set-domain acme Müller-Bau.DE tls=ja", m.SetDomain("acme", "müller-bau.de", True)),
    ("set-domain acme acme.de. tls=off", m.SetDomain("acme", "acme.de", False)),
    ('set-legal-info acme company="ACME GmbH" form=GmbH seat=Berlin court="Amtsgericht '
     'Charlottenburg" register="HRB 12345" directors="Anna Schmidt; Bernd Meyer"',
     m.SetLegalInfo("acme", "ACME GmbH", "GmbH", "Berlin", "Amtsgericht Charlottenburg",
                    "HRB 12345", ("Anna Schmidt", "Bernd Meyer"))),
    ('set-legal-info acme directors="Schmidt, Anna"', m.SetLegalInfo("acme", managing_directors=("Schmidt, Anna",))),
    ("show-customer acme", m.ShowCustomer("acme")),
    # ---- user
    ('add-user acme "Jane Doe"', m.AddUser("acme", "Jane Doe")),
    ("add-user acme Jane Doe", m.AddUser("acme", "Jane Doe")),
    ("add-user acme “Jörg  Müller” email=Joerg@ACME.de solo=yes activesync=nein",
     m.AddUser("acme", "Jörg Müller", "Joerg@acme.de", True, False)),
    ("add-user acme 'Sean O'Brien'", m.AddUser("acme", "Sean O'Brien")),
    ("add-user acme Sean O’Brien", m.AddUser("acme", "Sean O’Brien")),
    ("add-user acme ‘Ana María’ email=<mailto:ana@acme.de|ana@acme.de>",
     m.AddUser("acme", "Ana María", "ana@acme.de")),
    ("remove-user acme jdoe mail=archive", m.RemoveUser("acme", "jdoe", "archive")),
    ("remove-user acme jane.doe@acme.de mail=EXPORT", m.RemoveUser("acme", "jane.doe@acme.de", "export")),
    ("show-user acme jdoe", m.ShowUser("acme", "jdoe")),
    ("list-users acme", m.ListUsers("acme")),
    ("enable-activesync acme jdoe", m.EnableActiveSync("acme", "jdoe")),
    ("disable-activesync acme JDoe", m.DisableActiveSync("acme", "JDoe")),
    ("reset-password acme jdoe", m.ResetPassword("acme", "jdoe")),
    ("enable-fax acme jdoe +49 30 1234567", m.EnableFax("acme", "jdoe", "+49301234567")),
    ('enable-fax acme jdoe "+49-30-1234567"', m.EnableFax("acme", "jdoe", "+49301234567")),
    ("enable-fax acme jdoe 0049301234567 mode=dedicated site=hamburg",
     m.EnableFax("acme", "jdoe", "+49301234567", "dedicated", "hamburg")),
    ("enable-fax acme jdoe +49 (0)30 1234567", m.EnableFax("acme", "jdoe", "+49301234567")),
    ("disable-fax acme +49 30 1234567", m.DisableFax("acme", "+49301234567")),
    # ---- reports and control
    ("quota acme", m.Quota("acme")),
    ("licences acme", m.Licences("acme")),
    ("licenses acme", m.Licences("acme")),
    ("fax-numbers acme", m.FaxNumbers("acme")),
    ("help", m.Help()),
    ("help Add-User", m.Help("add-user")),
    ("help licenses", m.Help("licences")),
    ("jobs", m.ListJobs()),
    ("jobs acme", m.ListJobs("acme")),
    ("jobs mine", m.ListJobs(mine=True)),
    ("jobs acme mine limit=25", m.ListJobs("acme", True, 25)),
    ("jobs mine acme", m.ListJobs("acme", True)),                 # a switch's word stands anywhere
    ("jobs MINE", m.ListJobs(mine=True)),
    ("jobs mine=yes limit=100", m.ListJobs(mine=True, limit=100)),
    ("Jobs ACME mine=no", m.ListJobs("acme")),
    ("job r-1a2b3c4d5e", m.ShowJob("r-1a2b3c4d5e")),
    ("job `R-1A2B3C4D5E`", m.ShowJob("r-1a2b3c4d5e")),
    ("audit", m.ShowAudit()),
    ("audit acme since=1h", m.ShowAudit("acme", since=3600)),
    ("audit since=30m", m.ShowAudit(since=1800)),
    ("audit acme since=1d12h", m.ShowAudit("acme", since=129600)),
    ("audit ticket=SUP-1234", m.ShowAudit(ticket="SUP-1234")),
    ("audit break-glass", m.ShowAudit(break_glass=True)),
    ("audit globex break-glass since=24h", m.ShowAudit("globex", 86400, None, True)),
    ("audit break-glass globex", m.ShowAudit("globex", break_glass=True)),
    ("audit break-glass=yes ticket=INC0042", m.ShowAudit(ticket="INC0042", break_glass=True)),
    ("plan remove-user acme jdoe mail=archive", m.ShowPlan(m.RemoveUser("acme", "jdoe", "archive"))),
    # ---- the language around the words
    ("  ADD_USER   acme\u00a0 Jane   Doe  ", m.AddUser("acme", "Jane Doe")),
    ("/tobit quota acme", m.Quota("acme")),
    ("show-customer customer=acme", m.ShowCustomer("acme")),
    ("add-user activesync=no acme Jane Doe", m.AddUser("acme", "Jane Doe", activesync=False)),
    ('add-user acme "Jane \\"JD\\" Doe"', m.AddUser("acme", 'Jane "JD" Doe')),
]

INVALID = [
    # (text, substrings the error must contain)
    ("", ["No command", "help"]),
    ("enabel-fax acme jdoe +4930123456", ["Unknown command `enabel-fax`", "Did you mean `enable-fax`",
                                          "Usage: `enable-fax CUSTOMER USER NUMBER"]),
    ("frobnicate", ["Unknown command", "`add-user`", "`quota`"]),
    ("acme add-user Jane Doe", ["the command comes first", "Usage: `add-user"]),
    ('add-user acme "Jane Doe', ["not closed", "Usage: `add-user"]),
    ("add-user acme „Jane Doe", ["not closed"]),
    ("add-user acme Jane", ["full name", '"Jane Doe"', "R5"]),
    ("add-user acme", ["`add-user` needs", "FIRST LAST", "Usage:"]),
    ("add-user", ["needs CUSTOMER"]),
    ("add-user acme Jane Doe nmae=x", ["no option `nmae=`", "Did you mean `name=`", "`email=`"]),
    ("add-user acme Jane Doe solo", ["looks like an option", "solo=yes|no"]),
    ("add-user acme Jane Doe email=a@acme.de email=b@acme.de", ["given twice"]),
    ("add-user acme Jane Doe email=jane", ["not a mail address"]),
    ("add-user acme Jane Doe solo=maybe", ["not yes or no", "ja/nein"]),
    ("add-user acme Jane Doe email=", ["No value for `email=`"]),
    ("add-user acme Jane\u200bDoe Smith", ["invisible"]),
    ("add-user Acme_Corp Jane Doe", ["not a customer short name", "a-z"]),
    ("add-user 1acme Jane Doe", ["not a customer short name"]),
    ("remove-user acme jdoe", ["mail=archive|export", "never just deleted", "R19"]),
    ("remove-user acme jdoe mail=delete", ["not a way to keep the mail", "`archive`", "`export`"]),
    ("remove-user acme jdoe mail=archiv", ["Did you mean `archive`"]),
    ("show-customer acme extra", ["Too many words", "Usage: `show-customer CUSTOMER`"]),
    ("enable-fax acme jdoe +0301234567", ["international form"]),
    ("enable-fax acme jdoe +49 30", ["not a valid phone number", "`+49 30 1234567`"]),
    ("enable-fax acme jdoe +49 30 1234567 site=berlin", ["only for `mode=dedicated`"]),
    ("enable-fax acme jdoe +49 30 1234567 mode=privat", ["not a fax mode", "`shared`"]),
    ("book acme tobit-adon 3", ["not a product", "Did you mean `tobit-addon`"]),
    ("book acme mailstore 3", ["booked as a whole"]),
    ("book acme extra-storage", ["how many GB"]),
    ("book acme tobit-addon 0", ["not a count"]),
    ("book acme tobit-addon pbx=xcapi", ["only for `fax-dedicated`"]),
    ("book acme fax-dedicated", ["pbx=xcapi", "R16"]),
    ("book acme fax-dedicated pbx=xcapi", ["trunk=sip:", "R16"]),
    ("book acme fax-dedicated pbx=xcapi trunk=http://pbx", ["not a SIP URI"]),
    ("cancel acme cti 2", ["cancelled as a whole"]),
    ("set-domain acme acme", ["not a domain name"]),
    ("set-domain acme jane@acme.de", ["not a domain name"]),
    ("set-domain acme acme.de tls=vielleicht", ["not yes or no"]),
    ("set-legal-info acme", ["at least one of", "`company=`"]),
    ("set-legal-info acme directors=;", ["no names given"]),
    ("onboard-customer acme ACME base=enterprise tobit-url=https://t.acme.de",
     ["not a base service", "enterprise-service"]),
    ("onboard-customer acme ACME base=none tobit-url=http://t.acme.de", ["https://"]),
    ("onboard-customer acme ACME base=none tobit-url=https://admin:pw@t.acme.de", ["credentials", "R18"]),
    ("onboard-customer acme ACME base=none", ["needs `tobit-url=https://...`"]),
    ("help frobnicate", ["no command `frobnicate`"]),
    ("help add-usr", ["Did you mean `add-user`"]),
    ("jobs limit=0", ["not a number of rows", "1 to 100"]),
    ("jobs limit=1000", ["not a number of rows"]),
    ("jobs acme yours", ["`yours` is not `mine`", "Usage: `jobs [CUSTOMER] [mine] [limit=N]`"]),
    ("jobs Acme_Corp", ["not a customer short name"]),
    ("job", ["`job` needs ID", "`r-...`", "Usage: `job ID`"]),
    ("job 42", ["not a request id", "`jobs` lists recent ones"]),
    ("job r-1a2b3c4d5e r-2", ["Too many words"]),
    ("audit since=7x", ["not a duration", "since=24h"]),
    ("audit since=0d", ["not a duration"]),
    ("audit since=401d", ["more than 400 days", "audit export"]),
    ("audit ticket=SUP 1234", ["`1234` is not a customer short name"]),
    ("audit ticket=<x>", ["not a ticket reference", "ticket=SUP-1234"]),
    ("audit acme break-glass extra", ["Too many words", "Usage: `audit [CUSTOMER]"]),
    ("audit acme sinse=1h", ["Did you mean `since=`"]),
    ("plan", ["needs the command"]),
    ("plan plan quota acme", ["cannot show `plan`"]),
    ("plan quota acme", ["only reads", "Run it without `plan`"]),
    ("plan jobs", ["only reads", "Run it without `plan`"]),
    ("plan help", ["cannot show `help`"]),
    ("plan frobnicate", ["Unknown command"]),
    ("x=y", ["Unknown command"]),
    # the core quotes what was typed as it is; the bot escapes the whole text (test_message_escaping)
    ("quota acme <!channel>", ["Too many words", "`<!channel>`"]),
]


@pytest.mark.parametrize("text, expected", VALID, ids=[t for t, _ in VALID])
def test_valid(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, parts", INVALID, ids=[t or "(empty)" for t, _ in INVALID])
def test_invalid(text, parts):
    with pytest.raises(ParseError) as err:
        parse(text)
    for part in parts:
        assert part in err.value.text()


def test_rule_is_carried_on_the_error():
    with pytest.raises(ParseError) as err:
        parse("remove-user acme jdoe")
    assert err.value.rule == "R19"


@pytest.mark.parametrize("text, words", [
    ('add-user acme "Jane Doe"', ["add-user", "acme", "Jane Doe"]),
    ("a „b c“ “d e” ‘f g’ »h i« 'j'", ["a", "b c", "d e", "f g", "h i", "j"]),
    ('name="Müller GmbH" x', ["name=Müller GmbH", "x"]),
    ("O'Brien D’Angelo", ["O'Brien", "D’Angelo"]),
    ('"a\\"b" "c\\\\d" "e\\f"', ['a"b', "c\\d", "e\\f"]),
    ('""', [""]),
    ("a&amp;b &lt;c&gt; <https://x.de|x.de> <mailto:j@x.de|j@x.de>", ["a&b", "<c>", "https://x.de", "j@x.de"]),
    ("", []),
])
def test_tokenize(text, words):
    assert tokenize(text) == words


def _longest_legal_info() -> str:
    """set-legal-info with every particular at its longest, `&` as Slack sends it."""
    def text(n: int) -> str:
        return ("Müller &amp; Söhne " * n)[:n].strip()
    directors = "; ".join(text(100) for _ in range(5))
    return (f'set-legal-info acme company="{text(120)}" form="{text(40)}" seat="{text(80)}" '
            f'court="{text(120)}" register="{text(40)}" directors="{directors}"')


def test_the_longest_real_commands_are_well_within_the_bound():
    from commands.envelope import open_envelope
    from commands.lexer import MAX_TEXT

    longest = (f'--break-glass reason="{"the customer CEO is locked out " * 6}" '
               f"{_longest_legal_info()} ticket=SUP-123456")
    assert len(longest) < MAX_TEXT // 2
    assert isinstance(parse(open_envelope(longest).text), m.SetLegalInfo)


@pytest.mark.parametrize("text", ["add-user acme " + "x" * 20_000, "x" * 4_001,
                                  'add-user acme "' + "Jane Doe " * 1_000 + '"'],
                         ids=["long word", "just over", "long quote"])
def test_text_over_the_bound_is_refused_before_it_is_read(text):
    with pytest.raises(ParseError) as err:
        parse(text)
    assert f"The command is {len(text):,} characters long; a command has at most 4,000." in err.value.text()
