"""pytest fixtures for testing an app against memharness, the Memories.ai mock.

The ``memharness`` fixture starts the built ``mockserver`` binary once per
session on a free loopback port, waits for ``/_mock/health`` and stops it at
the end, with the MemSync mock beside it on a second free port (its base URL
is ``memharness.memsync_url``; fixture manifests' ``memories`` load into it).
Each test gets a ``MockAPI`` helper with its own API key (its own
account), so tests never see each other's data and can run in any order; the
account is reset when the test ends (``POST /_mock/reset?api_key=K``).

The binary is found through ``MEMHARNESS_BIN`` (default: ``mockserver`` on
the PATH). It runs with ``--rate-limits off`` so that a test's back-to-back
calls are not throttled (test throttling with a stub answering 0429, or set
``MEMHARNESS_ARGS``, e.g. ``--rate-limits v1.2``, to run with the documented
limits). Only the standard library and ``requests`` are needed (Debian:
``apt-get install python3-pytest python3-requests``).
"""

import copy
import os
import shlex
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import requests


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MockServer:
    """A running mockserver process."""

    def __init__(self, binary, extra_args=()):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.memsync_port = _free_port()
        self.memsync_url = f"http://127.0.0.1:{self.memsync_port}"
        args = [binary, "--addr", f"127.0.0.1:{self.port}", "--memsync-addr", f"127.0.0.1:{self.memsync_port}",
                "--processing-time", "2s", *extra_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("mockserver exited early:\n" + self.proc.stdout.read())
            try:
                if requests.get(self.base_url + "/_mock/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("mockserver did not answer /_mock/health within 15 s")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class MockAPI:
    """One test's view of the mock: its base URL, its own key, and helpers
    for fixtures, stubs and request verification over the control plane."""

    def __init__(self, base_url, key, memsync_url=None):
        self.base_url = base_url
        self.memsync_url = memsync_url
        self.key = key
        self.headers = {"Authorization": key}
        # MemSync takes the same key in X-API-Key (one account everywhere).
        self.memsync_headers = {"X-API-Key": key, "Content-Type": "application/json"}

    def _control(self, method, path, **kw):
        r = requests.request(method, self.base_url + path, timeout=30, **kw)
        if r.status_code != 200:
            raise AssertionError(f"{method} {path} answered HTTP {r.status_code}: {r.text}")
        return r.json()

    def load_fixtures(self, manifest):
        """Preload libraries and MemSync memories (POST /_mock/fixtures).
        Accounts without an api_key get this test's key."""
        manifest = copy.deepcopy(manifest)
        for account in manifest.get("accounts", []):
            account.setdefault("api_key", self.key)
        return self._control("POST", "/_mock/fixtures", json=manifest)

    def export(self, unique_id=None):
        return self.export_of(self.key, unique_id)

    def export_of(self, key, unique_id=None):
        """GET /_mock/export: a library as a fixture manifest."""
        params = {"api_key": key}
        if unique_id:
            params["unique_id"] = unique_id
        return self._control("GET", "/_mock/export", params=params)

    def stub(self, operation, answer, match=None, **extra):
        """Register a stub for this test's key only (POST /_mock/stubs)."""
        match = dict(match or {})
        match.setdefault("api_key", self.key)
        body = {"operation": operation, "answer": answer, "match": match, **extra}
        return self._control("POST", "/_mock/stubs", json=body)["stubs"][0]

    def find(self, operation=None, **matcher):
        """POST /_mock/requests/find for this test's key."""
        matcher.setdefault("api_key", self.key)
        if operation:
            matcher["operation"] = operation
        return self._control("POST", "/_mock/requests/find", json=matcher)

    def assert_called(self, operation=None, **matcher):
        """Fail with the near misses unless the expectation holds."""
        res = self.find(operation, **matcher)
        if res["ok"]:
            return res
        lines = [f"want {res['expected']} matching {operation or 'any'} request(s), the mock saw {res['count']}"]
        for miss in res.get("near_misses", []):
            req = miss["request"]
            lines.append(f"  #{req['seq']} {req['operation_id']} {req['path']}:")
            for d in miss["differences"]:
                lines.append(f"    {d['field']}: want {d['expected']}, got {d['actual']!r}")
        raise AssertionError("\n".join(lines))

    def finish_processing(self, video_no):
        """Complete one video's processing now (POST /_mock/videos/{no}/complete),
        without moving the clock every test shares."""
        return self._control("POST", f"/_mock/videos/{video_no}/complete")

    def reset(self):
        """Forget this test's account (POST /_mock/reset?api_key=K)."""
        return self._control("POST", "/_mock/reset", params={"api_key": self.key})


@pytest.fixture(scope="session")
def memharness_server():
    binary = os.environ.get("MEMHARNESS_BIN") or shutil.which("mockserver")
    if not binary:
        pytest.skip("set MEMHARNESS_BIN to the built mockserver binary")
    server = MockServer(binary, shlex.split(os.environ.get("MEMHARNESS_ARGS", "--rate-limits off")))
    yield server
    server.stop()


@pytest.fixture
def memharness(memharness_server):
    api = MockAPI(memharness_server.base_url, "sk-pytest-" + uuid.uuid4().hex[:12], memharness_server.memsync_url)
    yield api
    api.reset()
