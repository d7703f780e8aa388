"""The classroom under JupyterHub: the gateway as a hub-managed service, and a key in each student's server.

A teacher's ``jupyterhub_config.py`` (the README's "Running a class" has a complete one)::

    from chatkit.classroom.jupyterhub import HubClassroom

    classroom = HubClassroom("/srv/classroom", upstreams=("https://api.openai.com/v1,key=CLASS_UPSTREAM_KEY",))
    c.JupyterHub.services = [classroom.service()]
    c.Spawner.pre_spawn_hook = classroom.pre_spawn_hook
    c.Spawner.post_stop_hook = classroom.post_stop_hook

The hub starts ``python -m chatkit classroom serve`` and restarts it if it exits. The teacher's
upstream key reaches it through the service's ``environment``, read from the hub's own environment
(or ``.env``) when the hub starts: it is never written in the config file, and a single-user server
never sees it (JupyterHub passes a server only its ``Spawner.environment`` and a few variables such
as PATH). Source: JupyterHub's services and Spawner reference,
https://jupyterhub.readthedocs.io/en/stable/reference/services.html and
https://jupyterhub.readthedocs.io/en/stable/reference/api/spawner.html, checked 2026-12-06.

Each spawn issues the student a fresh key and revokes the one before (the store keeps only hashes,
so a key cannot be read back to hand out again), and the server's stop revokes it: a key lives as
long as the one server that holds it, so a key copied out of a notebook stops working with that
server. A student's id in the class is their hub username; one server per student is assumed (with
JupyterHub's named servers, starting a second one ends the first one's key).

The gateway needs no access to the hub's API, so the service asks for no roles. Its URL is the
address the single-user servers reach it at; the hub's proxy route ``/services/classroom/`` is not
used, since the gateway serves ``/v1`` at its root. With DockerSpawner or KubeSpawner the servers
are on another network: give ``host`` an address they reach, and put TLS in front as the gateway's
warning says (chatkit/classroom/gateway.py).

Nothing here imports JupyterHub: the hooks take any object with ``.user.name``, ``.environment`` and
``.log``, which is how the tests call them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..config import data_dir
from ..messages import say
from ..settings import value
from .cli import PORT
from .store import FILE_NAME, SQLiteStore, Student
from .upstreams import Upstream


@dataclass(frozen=True)
class HubClassroom:
    """One class on one hub.

    **Parameters:** ``data`` -- the class's data folder (the hub and the gateway share its SQLite
    file); ``upstreams`` -- ``URL,key=VARIABLE`` as ``classroom serve --upstream`` takes them (none:
    the sandbox); ``host``, ``port`` -- where the gateway listens and the servers reach it;
    ``options`` -- more ``serve`` options, e.g. ``("--rpm", "20", "--tokens-per-day", "50000")``.

    >>> HubClassroom("/srv/classroom").base_url
    'http://127.0.0.1:8790/v1'
    """

    data: str
    upstreams: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = PORT
    options: tuple[str, ...] = ()
    name: str = "classroom"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def service(self) -> dict:
        """The entry for ``c.JupyterHub.services``: the hub runs the gateway and restarts it if it exits.

        Each upstream's key is looked up now, in the hub's environment or ``.env``, and passed to the
        gateway's process alone; a key that is not set stops the hub's start with the reason.
        """
        command = [sys.executable, "-m", "chatkit", "classroom", "serve", "--data-dir", str(self.data),
                   "--host", self.host, "--port", str(self.port), *self.options]
        environment = {}
        for text in self.upstreams:
            upstream = Upstream.parse(text, value)  # the same checks and messages as `classroom serve`
            if upstream.key:
                environment[text.partition(",")[2].partition("=")[2].strip()] = upstream.key
            command += ["--upstream", text]
        return {"name": self.name, "url": f"http://{self.host}:{self.port}", "command": command,
                "environment": environment}

    def pre_spawn_hook(self, spawner) -> None:
        """``c.Spawner.pre_spawn_hook``: the student's server starts with the class's URL and a new key."""
        student = spawner.user.name
        store = self._store()
        try:
            if student not in {s.id for s in store.students()}:
                store.add_students([Student(student, student)])
            key = store.issue_key(student)  # the student's earlier key stops in the same transaction
        finally:
            store.close()
        # A new dict: the configured one may be shared, and another student's key must never land in it.
        spawner.environment = {**spawner.environment, "OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": key}
        spawner.log.info(say("classroom.hub.key_issued", student=student))

    def post_stop_hook(self, spawner) -> None:
        """``c.Spawner.post_stop_hook``: the key dies with the server that held it."""
        store = self._store()
        try:
            store.revoke(spawner.user.name)
        finally:
            store.close()
        spawner.log.info(say("classroom.hub.key_revoked", student=spawner.user.name))

    def _store(self) -> SQLiteStore:
        return SQLiteStore(data_dir(self.data) / FILE_NAME)
