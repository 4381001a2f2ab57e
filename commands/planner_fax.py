"""Plans for fax numbers: the PBX is the outermost hop, so it is added last and removed first.

That way no call ever reaches a number whose mailbox route is not (or no longer) there.
"""

from __future__ import annotations

from commands import model
from commands.contract import CustomerState
from commands.phone import show_phone
from commands.plan import Step
from commands.planner_steps import step
from commands.rules_fax import pbx_link


def enable_fax_steps(cmd: model.EnableFax, state: CustomerState,
                     fax_server_uri: str) -> tuple[Step, ...]:
    c, number, user = state.slug, cmd.number, state.find_user(cmd.user)
    sam, name, shown = user.sam, user.display_name, show_phone(cmd.number)
    if cmd.mode == "shared":
        # R17: the number is also the caller ID that outgoing faxes are masked with
        target = fax_server_uri
        route = f"route {shown} to the shared fax server, outgoing masked as {shown}"
    else:
        target = pbx_link(state, cmd.site).trunk
        route = f"route {shown} through the PBX link at site {cmd.site} ({target})"
    return (
        step("ad.add_fax_number", f"record fax number {shown} for {name}", customer=c,
             user=sam, number=number),
        step("ad.add_to_group", f"add {name} to fax-users", customer=c, user=sam,
             group="fax-users"),
        step("tobit.add_fax_route", f"deliver fax to {shown} into {name}'s mailbox",
             customer=c, number=number, user=sam),
        step("pbx.add_fax_route", route, customer=c, number=number, user=sam, mode=cmd.mode,
             target=target),
    )


def disable_fax_steps(cmd: model.DisableFax, state: CustomerState) -> tuple[Step, ...]:
    c, number, user = state.slug, cmd.number, state.fax_owner(cmd.number)
    steps = [*fax_route_removal(c, number),
             step("ad.remove_fax_number",
                  f"remove fax number {show_phone(number)} from {user.display_name}",
                  customer=c, user=user.sam, number=number)]
    if set(user.fax_numbers) == {number}:
        steps.append(step("ad.remove_from_group", f"remove {user.display_name} from fax-users",
                          customer=c, user=user.sam, group="fax-users"))
    return tuple(steps)


def fax_route_removal(customer: str, number: str) -> tuple[Step, ...]:
    shown = show_phone(number)
    return (
        step("pbx.remove_fax_route", f"stop routing {shown} at the PBX", customer=customer,
             number=number),
        step("tobit.remove_fax_route", f"stop delivering fax to {shown}", customer=customer,
             number=number),
    )
