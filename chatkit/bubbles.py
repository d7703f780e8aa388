"""A conversation as chat bubbles in a notebook: small inline CSS, every text escaped."""

from __future__ import annotations

import html

from .messages import say

_BOX = "font-family:sans-serif;font-size:14px;max-width:640px"
_BUBBLE = "margin:4px 0;padding:6px 10px;border-radius:12px;white-space:pre-wrap;max-width:80%;width:fit-content;"
_STYLES = {
    "user": _BUBBLE + "background:#d7ebff;margin-left:auto",
    "assistant": _BUBBLE + "background:#eeeeee;margin-right:auto",
}
_NOTE = "margin:6px 0;color:#666;font-size:12px;font-style:italic;text-align:center;white-space:pre-wrap"


def _div(style: str, text: str, title: str = "") -> str:
    label = f"<b>{html.escape(title)}</b> " if title else ""
    return f"<div style='{style}'>{label}{html.escape(text)}</div>"


def render(conv) -> str:
    """HTML for a :class:`~chatkit.conversation.Conversation`: notes, then one bubble per message."""
    parts = []
    if conv.instructions:
        parts.append(_div(_NOTE, conv.instructions, say("conversation.html.instructions")))
    dropped = sum(len(t.removed) for t in conv.trims)
    if dropped:
        how = "summarized" if conv.strategy == "summarize" else "left_out"
        parts.append(_div(_NOTE, say(f"conversation.html.{how}", count=dropped, budget=conv.budget)))
    if conv.summary is not None:
        parts.append(_div(_NOTE, conv.summary, say("conversation.html.summary")))
    parts += [_div(_STYLES.get(m["role"], _NOTE), m["content"]) for m in conv.turns]
    parts.append(_div(_NOTE, say("conversation.html.footer", count=len(conv.turns), tokens=conv.count(),
                                 model=conv.model)))
    return f"<div style='{_BOX};display:flex;flex-direction:column'>{''.join(parts)}</div>"
