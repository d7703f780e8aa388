"""Chat platforms, each behind the same three functions: ``verify``, ``parse``, ``reply``.

A platform calls the bot with each new message (a webhook) and the bot calls the
platform back to answer. Each adapter module turns one platform's webhook into an
:class:`Incoming` and the answer into an :class:`Outgoing` request; none of them does
any networking, so they can be tested with saved payloads.

- ``verify(headers, body, secret, …)`` raises :class:`Forged` unless the platform sent it;
- ``parse(body, …)`` gives an :class:`Incoming`, or None for events that are not a text
  message for the bot (``is_from_bot`` marks messages a bot wrote: never answer those);
- ``reply(settings, incoming, text)`` gives the :class:`Outgoing` request that answers.

WeCom signs in the URL's query string rather than in headers: its ``verify`` takes the query.
"""

from . import dingtalk, feishu, lanying, webhook, wecom
from .base import BadPayload, Forged, Incoming, Outgoing, Refused

ADAPTERS = {"lanying": lanying, "feishu": feishu, "dingtalk": dingtalk, "wecom": wecom, "webhook": webhook}

__all__ = ["ADAPTERS", "BadPayload", "Forged", "Incoming", "Outgoing", "Refused"]
