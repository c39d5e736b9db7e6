"""pywikibot with bounds: its retries, waits and timeouts as [bot] allows, and every wait of it
(throttle, retry, maxlag) ending when a stop signal leaves no time for it.

pywikibot's defaults retry a request 15 times with waits growing to 2 minutes: 22 minutes with the
wiki down, and SIGTERM unheard during each sleep. `apply_limits` takes the smaller of pywikibot's
setting and the [bot] one; `install_waits` routes pywikibot's sleeps through
bot.ops.signals.wait_or_stop, and caps each request's timeout by what the stop grace leaves.
"""

from __future__ import annotations

import time

from bot.config import BotOptions
from bot.ops.signals import StopNow, stop_deadline, stop_signal, wait_or_stop

CONNECT_TIMEOUT = 5.0  # seconds to connect: a wiki that does not accept in 5 s is down

_normal_timeout: list[tuple[float, float]] = []  # (connect, read) as apply_limits set them
_installed: list[bool] = []


def _pair(timeout: object) -> tuple[float, float]:
    """pywikibot's socket_timeout, a number or a (connect, read) pair or None, as a pair."""
    if isinstance(timeout, int | float):
        return float(timeout), float(timeout)
    if isinstance(timeout, tuple | list) and len(timeout) == 2:
        return float(timeout[0] or "inf"), float(timeout[1] or "inf")
    return float("inf"), float("inf")


def apply_limits(options: BotOptions) -> None:
    """Bound pywikibot's configuration by [bot]'s; call after importing pywikibot, before the
    first request (pywikibot.handle_args creates the Site and already asks the wiki)."""
    import pywikibot

    config = pywikibot.config
    config.max_retries = min(config.max_retries, options.max_retries)
    config.retry_wait = min(config.retry_wait, options.retry_wait_seconds)
    config.retry_max = min(config.retry_max, options.retry_max_seconds)
    connect, read = _pair(config.socket_timeout)
    timeout = float(options.timeout_seconds)
    config.socket_timeout = (min(connect, CONNECT_TIMEOUT, timeout), min(read, timeout))
    _normal_timeout[:] = [config.socket_timeout]
    install_waits()


def install_waits() -> None:
    """Make pywikibot's sleeps and requests heed a stop signal; once per process."""
    if _installed:
        return
    _installed.append(True)
    import pywikibot
    from pywikibot import throttle
    from pywikibot.data import api

    def sleep(seconds: float) -> None:  # retry and maxlag waits (WaitingMixin, login)
        wait_or_stop(seconds, "wait before retrying")

    def throttle_wait(seconds: float) -> None:  # put_throttle and friends
        if seconds > 0:
            pywikibot.log(f"Sleeping for {seconds:.1f} seconds (throttle)")
            wait_or_stop(seconds, "throttle wait")

    pywikibot.sleep = sleep
    throttle.Throttle.wait = staticmethod(throttle_wait)
    original = api.Request._http_request

    def bounded(request, *args, **kwargs):
        _cap_timeout()
        return original(request, *args, **kwargs)

    api.Request._http_request = bounded


def _cap_timeout() -> None:
    """Before a request: its timeout, shortened after a stop signal to what the grace leaves."""
    import pywikibot

    if not _normal_timeout:
        return
    deadline = stop_deadline(hard=True)
    connect, read = _normal_timeout[0]
    if deadline is not None:
        left = deadline - time.monotonic()
        if left < 1:
            raise StopNow(f"{stop_signal()}: no time left for another request")
        connect, read = min(connect, left), min(read, left)
    pywikibot.config.socket_timeout = (connect, read)


def drop_throttle(site: object) -> None:
    """Take this process out of pywikibot's throttle.ctrl, where other bot processes count it
    (and slow down) for 10 minutes; the next request puts it back."""
    throttle = getattr(site, "throttle", None)
    if throttle is not None:
        throttle.drop()
