"""The classroom: one gateway in front of the teacher's model for a whole class, one key per student.

A teacher imports a roster and hands out keys (roster.py); the gateway (gateway.py) checks each
student's key, applies their limits with the platform's own errors (limits.py), forwards the call
to an upstream with the teacher's key, which never leaves the server (upstreams.py), and records
every call per student (store.py). The teacher watches the class on a page behind an admin token
(dashboard.py). Besides ``python -m chatkit classroom`` (cli.py), only a notebook's ``check()`` uses
this package, to report ✓/✗ (report.py); this file imports nothing, so ``classroom keys list``
does not load the web server.

>>> upstreams = Upstreams([Upstream("sandbox", box.base_url, box.key)])        # doctest: +SKIP
>>> with Gateway.start(SQLiteStore(), upstreams) as gateway:                   # doctest: +SKIP
...     gateway.base_url
'http://127.0.0.1:54321/v1'
"""
