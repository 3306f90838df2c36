"""pytest plugin: a `sandbox` fixture, one namespace per test.

One agent-sandbox process per session (AGENT_SANDBOX_URL attaches to a
running one instead; AGENT_SANDBOX_BINARY or PATH names the binary,
AGENT_SANDBOX_FIXTURES the fixtures). Each test gets the sandbox through a
namespace of its own, so tests never see each other's runs or clocks.
"""
import itertools
import os
import re

import pytest

from .client import Sandbox


@pytest.fixture(scope="session")
def agent_sandbox_process():
    url = os.environ.get("AGENT_SANDBOX_URL")
    if url:
        yield Sandbox.attach(url)
        return
    sandbox = Sandbox.start(fixtures=os.environ.get("AGENT_SANDBOX_FIXTURES"))
    try:
        yield sandbox
    finally:
        sandbox.stop()


_numbers = itertools.count(1)


@pytest.fixture
def sandbox(agent_sandbox_process, request):
    """The session's sandbox through a namespace of this test's own: t<n>-<test name>."""
    name = "t%d-%s" % (next(_numbers), re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name))
    return agent_sandbox_process.namespace(name[:64])
