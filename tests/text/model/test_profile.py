"""User names: the fast form of normalize_user answers as the plain form it replaced."""

from __future__ import annotations

import ipaddress
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text.model.profile import normalize_title, normalize_user


def plain_normalize_user(name: str) -> str:
    """normalize_user as first written (with a zone id, no IP): every name tried as an IP."""
    name = normalize_title(name)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", name):
            return ".".join(str(int(part)) for part in name.split("."))
        return name
    if address.version == 6:
        if address.scope_id is not None:
            return name
        return ":".join(f"{int(group, 16):X}" for group in address.exploded.split(":"))
    return str(address)


NAME_PIECES = st.sampled_from([
    "1", "12", "255", "256", "0", "01", ".", ":", "::", "a", "F", "ff", "g", "%", "eth0", " ",
    "_", "\u0661", "\u06f2", "x", "Bob", "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "/",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(NAME_PIECES, max_size=8).map("".join))
def test_user_names_are_normalized_as_the_plain_form_does(name: str) -> None:
    assert normalize_user(name) == plain_normalize_user(name)


def test_a_link_to_an_ipv6_address_with_a_zone_id_is_no_ip_and_raises_nothing() -> None:
    from bot.text.model.analysis import analyze

    line = ":* hi [[User:::%::|x]] 12:00, 1 September 2016 (UTC)"
    assert analyze(line).comments[0].author == "::%::"
    assert normalize_user("fe80::1%eth0") == "Fe80::1%eth0"
