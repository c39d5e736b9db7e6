"""Read many pages in a few requests, as pywikibot's PreloadingGenerator does, with what the bot
may do to each: 50 titles a request (500 with apihighlimits), each page's latest revision with its
text, its protection and the wiki's own answer to "may this account edit it" (intestactions).

{{bots}}/{{nobots}} are read from the text fetched (bot.wiki.exclusion), never by another request.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import pywikibot
from pywikibot import exceptions as pwb_errors
from pywikibot import textlib
from pywikibot.data import api

from bot.wiki.exclusion import bots_allow, user_key
from bot.wiki.site import PageSnapshot, Wiki, existing_snapshot

TEMPLATE_NAMESPACE = 10
# What the latest revision of each page brings: enough for pywikibot to save on top of it.
REVISION_PROPS = "ids|timestamp|user|comment|sha1|content|flags"


def titles_per_request(wiki: Wiki) -> int:
    """How many titles one query may name: 500 with apihighlimits (bots), else 50."""
    return 500 if wiki.site.has_right("apihighlimits") else 50


def query_pages(wiki: Wiki, titles: Sequence[str], **params: object) -> dict[str, dict]:
    """Each page's query data (formatversion 1, as pywikibot reads it), by the title as given.

    Answers cut short by the wiki's result size limit are continued and merged. A title the wiki
    refuses (invalid, another wiki's) has no entry.
    """
    found: dict[str, dict] = {}
    for batch in _batches(list(dict.fromkeys(titles)), titles_per_request(wiki)):
        request: dict[str, object] = {
            "action": "query", "titles": list(batch), "continue": "", **params,
        }
        pages: dict[str, dict] = {}
        renamed: dict[str, str] = {}
        while True:
            data = wiki.site.simple_request(**request).submit()
            query = data.get("query", {})
            for pair in query.get("normalized", []):
                renamed[pair["from"]] = pair["to"]
            for page in _listed(query.get("pages", {})):
                if "invalid" in page or "title" not in page:
                    continue
                merged = pages.setdefault(page["title"], {})
                for key, value in page.items():
                    if key == "revisions":
                        merged.setdefault("revisions", []).extend(value)
                    else:
                        merged[key] = value
            if "continue" not in data:
                break
            request.update(data["continue"])
        for title in batch:
            page = pages.get(renamed.get(title, title))
            if page is not None:
                found[title] = page
    return found


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _listed(pages: dict | list) -> Iterable[dict]:
    return pages.values() if isinstance(pages, dict) else pages


def read_many(wiki: Wiki, titles: Iterable[str]) -> dict[str, PageSnapshot]:
    """The pages as they are now, by their canonical titles (Wiki.canonical_title).

    A title missing from the answer (refused by the wiki, or a revision whose text is hidden)
    has no entry: read it on its own (Wiki.read) to get the wiki's own error.
    """
    canonical = {wiki.canonical_title(t): t for t in titles}
    data = query_pages(
        wiki, list(canonical), prop="info|revisions", inprop="protection",
        intestactions="edit|create", rvprop=REVISION_PROPS, rvslots="main",
    )
    snapshots = {}
    for title in canonical:
        page = data.get(title)
        snapshot = _snapshot(wiki, title, page) if page is not None else None
        if snapshot is not None:
            snapshots[title] = snapshot
    return snapshots


def latest_revisions(wiki: Wiki, titles: Iterable[str]) -> dict[str, int | None]:
    """Each page's latest revision id (None: the page does not exist), without any text."""
    canonical = {wiki.canonical_title(t): t for t in titles}
    data = query_pages(wiki, list(canonical), prop="info")
    return {title: (None if "missing" in page else page.get("lastrevid"))
            for title, page in data.items()}


def revision_sha1s(wiki: Wiki, revids: Sequence[int]) -> dict[int, str]:
    """The sha1 (hex) MediaWiki lists for each revision's stored text ("" when hidden), as many
    revisions a request as titles."""
    found: dict[int, str] = {}
    for batch in _batches([str(r) for r in dict.fromkeys(revids)], titles_per_request(wiki)):
        data = wiki.site.simple_request(
            action="query", prop="revisions", revids=batch, rvprop="ids|sha1", formatversion=2
        ).submit()
        for page in data.get("query", {}).get("pages", []):
            for rev in page.get("revisions", []):
                found[rev["revid"]] = rev.get("sha1") or ""
    return found


def _snapshot(wiki: Wiki, title: str, data: dict) -> PageSnapshot | None:
    page = pywikibot.Page(wiki.site, title)
    api.update_page(page, data, ["info", "revisions"])
    actions = data.get("actions", {})
    if "missing" in data:
        page._bot_may_edit = True  # nothing on the page excludes the bot (see below)
        may_create = "edit" in actions and "create" in actions
        return PageSnapshot(title, "", False, None, None, "", True, may_create, page)
    revisions = [r for r in data.get("revisions", []) if r.get("revid") == data.get("lastrevid")]
    text = revisions[0].get("slots", {}).get("main", {}).get("*") if revisions else None
    if text is None:
        return None  # hidden, or not sent: Wiki.read tells what pywikibot makes of it
    # {{bots}} is a template: it has no meaning on a page of another content model (JSON).
    allowed = bot_may_edit(wiki, text) if data.get("contentmodel") == "wikitext" else True
    # pywikibot's text setter, used by a save, asks botMayEdit (T262136), which would fetch the
    # page's templates again: it gets this read's answer.
    page._bot_may_edit = allowed
    return existing_snapshot(
        page, text, bots_allowed=allowed, can_edit="edit" in actions,
        redirect_to=_redirect_target(wiki, page, text) if "redirect" in data else None,
    )


def _redirect_target(wiki: Wiki, page: pywikibot.Page, text: str) -> str:
    """Where a redirect leads, read from its text with the wiki's own redirect words."""
    found = wiki.site.redirect_regex.match(text)
    if found is not None:
        try:
            return pywikibot.Page(wiki.site, found.group(1)).title()
        except (pwb_errors.Error, ValueError):
            pass
    return page.getRedirectTarget().title()  # what the wiki says, when the text does not tell


def bot_may_edit(wiki: Wiki, text: str) -> bool:
    """{{bots}}/{{nobots}} and the site's restricting templates in `text`, decided as
    pywikibot's botMayEdit does but with names compared as MediaWiki compares user names."""
    if pywikibot.config.ignore_bot_templates:
        return True
    site = wiki.site
    restricted = {*site.get_edit_restricted_templates(), *site.get_archived_page_templates()}
    if "{{" not in text:
        return True  # no template at all (a name can be spelt in many ways: In_use, no&#98;ots)
    relevant = {user_key(name) for name in ("Bots", "Nobots", *restricted)}
    return bots_allow(exclusion_templates(wiki, text, relevant), wiki.username, restricted)


def exclusion_templates(
    wiki: Wiki, text: str, relevant: set[str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """The templates called in `text` (name without namespace, parameters as pywikibot's
    templatesWithParams gives them: positional first, then `key=value`); text in comments,
    <nowiki> and the like does not count. With `relevant` (user_key()s of the only names the
    caller looks for), a name whose prefix is no namespace (`int:`, `#if:`, `DISPLAYTITLE:`, an
    interwiki prefix) is left out unless it is one of them as a whole: pywikibot would ask the
    wiki for its interwiki map (one more request in a pass with nothing to change) to tell."""
    for name, params in textlib.extract_templates_and_params(text, True, True):
        if relevant is not None and ":" in name:
            prefix = name.partition(":")[0].strip()
            if (
                wiki.site.namespaces.lookup_name(prefix) is None
                and user_key(html.unescape(name)) not in relevant
            ):
                continue
        try:
            link = pywikibot.Link(name, wiki.site, default_namespace=TEMPLATE_NAMESPACE)
            if link.namespace != TEMPLATE_NAMESPACE:
                continue
            title = link.title
        except (pwb_errors.Error, ValueError):
            continue  # a parser function or a magic word, not a template
        yield title, _parameters(params)


def _parameters(params: dict[str, str]) -> list[str]:
    """Parameters as pywikibot's Page.templatesWithParams lists them: 1, 2, ... while they run
    on without a gap as positional values, then every other one as `key=value`, in key order."""
    numbered: dict[int, str] = {}
    named: dict[str, str] = {}
    for key in sorted(params):
        try:
            numbered[int(key)] = params[key]
        except ValueError:
            named[key] = params[key]
    positional = []
    for i in range(1, len(numbered) + 1):
        if i in numbered:
            positional.append(numbered[i])
            continue
        for k, v in numbered.items():
            if k < 1 or k >= i:
                named[str(k)] = v
        break
    return positional + [f"{key}={value}" for key, value in named.items()]
