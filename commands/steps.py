"""The step vocabulary: every step a plan may contain, with its JSON arguments.

This table is the contract between the planner (`commands/planner.py`) and the workers
(`workers/steps/`): a test checks that every key here has an implementation with apply, verify
and (where listed) undo. Values "${name}" are filled from earlier steps' outputs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepSpec:
    key: str
    args: tuple[str, ...]
    outputs: tuple[str, ...] = ()
    undoable: bool = True
    # applied again on a re-run even when its effect seems present (a new password must be set
    # and handed over: an old one the requester never saw is no use)
    reapply: bool = False


CATALOGUE: dict[str, StepSpec] = {s.key: s for s in (
    # --- Active Directory ------------------------------------------------------------------
    # OU=<customer>,OU=Customers,<base> and its groups tobit-users / activesync-users / fax-users
    StepSpec("ad.create_customer", ("customer", "display_name")),
    # one contract entry on the customer's OU (contract_codec); value None removes the key
    StepSpec("ad.set_contract", ("customer", "key", "value")),
    StepSpec("ad.add_domain", ("customer", "domain")),            # uPNSuffixes
    StepSpec("ad.remove_domain", ("customer", "domain")),
    # naming rules, marker = request id so that a re-run finds its own account; `sam` is the
    # account name given with `login=` (None: made from the name)
    StepSpec("ad.create_user", ("customer", "given_name", "surname", "display_name", "email",
                                "solo", "sam"), outputs=("sam", "upn", "mail")),
    # generates a policy-compliant password; delivered to the requester only (R18)
    StepSpec("ad.set_password", ("customer", "user", "must_change"), undoable=False,
             reapply=True),
    StepSpec("ad.enable_user", ("customer", "user")),
    StepSpec("ad.disable_user", ("customer", "user")),
    StepSpec("ad.delete_user", ("customer", "user"), undoable=False),
    StepSpec("ad.add_to_group", ("customer", "user", "group")),
    StepSpec("ad.remove_from_group", ("customer", "user", "group")),
    StepSpec("ad.add_fax_number", ("customer", "user", "number")),
    StepSpec("ad.remove_fax_number", ("customer", "user", "number")),
    # --- Tobit (through the provisioning API, deploy/tobit/openapi.yaml) ---------------------
    StepSpec("tobit.set_pool", ("customer", "pool_mb")),
    StepSpec("tobit.create_mailbox", ("customer", "user", "display_name", "mail")),
    StepSpec("tobit.set_activesync", ("customer", "user", "enabled")),
    StepSpec("tobit.set_signature", ("customer", "user", "text")),
    StepSpec("tobit.archive_mailbox", ("customer", "user", "mode"), outputs=("archive_id",),
             undoable=False),
    StepSpec("tobit.delete_mailbox", ("customer", "user"), undoable=False),
    StepSpec("tobit.add_fax_route", ("customer", "number", "user")),
    StepSpec("tobit.remove_fax_route", ("customer", "number")),
    # --- PBX (Kamailio, through JSON-RPC) ---------------------------------------------------
    # shared: number -> provider's fax server, outbound masked as `number` (R17)
    # dedicated: number -> the customer's XCAPI trunk / gateway (R16)
    StepSpec("pbx.add_fax_route", ("customer", "number", "user", "mode", "target")),
    StepSpec("pbx.remove_fax_route", ("customer", "number")),
)}

AD_GROUPS: tuple[str, ...] = ("tobit-users", "activesync-users", "fax-users")
