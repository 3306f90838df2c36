"""The Python helpers against the real binary (AGENT_SANDBOX_BINARY), through
the pytest plugin's fixtures: each test its own namespace."""
import os

import pytest

from agent_sandbox import Sandbox, SandboxError


def test_a_middesk_run_waits_for_its_interrupt_and_completes_once_approved(sandbox):
    run = sandbox.create_run("cip_orchestrator")
    assert run["status"] == "running"
    paused = sandbox.wait_for_status(run["id"], "interrupted")
    assert paused["interrupts"][0]["id"].startswith("intr_")
    sandbox.answer_interrupt(run["id"], "approve")
    done = sandbox.wait_for_status(run["id"])
    assert done["status"] == "completed"
    assert [a["type"] for a in done["output"]["artifacts"]] == ["cip_summary"]


def test_a_named_scenario_runs_to_completion_without_an_answer(sandbox):
    run = sandbox.create_run("cip_orchestrator", scenario="auto_approved")
    assert sandbox.wait_for_status(run["id"])["status"] == "completed"


def test_each_test_has_a_namespace_of_its_own(sandbox, agent_sandbox_process):
    sandbox.create_run("cip_orchestrator")
    status, mine = sandbox.request("GET", "/v1/runs")
    assert status == 200 and mine["total_count"] == 1
    status, other = agent_sandbox_process.namespace("someone-else").request("GET", "/v1/runs")
    assert status == 200 and other["total_count"] == 0


def test_a_modus_workflow_run_waits_for_approval(sandbox):
    run = sandbox.create_modus_run(202)
    assert run["status"] == "awaiting_human"
    sandbox.approve_modus_run(202, run["workflowId"], comment="fine")
    assert sandbox.modus_run(202, run["workflowId"])["status"] == "completed"


def test_the_clock_moves_and_a_reset_empties_the_namespace(sandbox):
    moved = sandbox.advance_clock(by="2h")
    assert moved["now"] == "2026-01-01T02:00:00.000Z"
    sandbox.create_run("cip_orchestrator")
    sandbox.reset()
    status, runs = sandbox.request("GET", "/v1/runs")
    assert runs["total_count"] == 0


def test_a_refusal_is_an_error_with_the_status_and_body(sandbox):
    with pytest.raises(SandboxError) as e:
        sandbox.create_run("no_such_agent")
    assert e.value.status == 404
    assert e.value.body["errors"][0]["parameter"] == "type"


def test_a_sandbox_that_cannot_start_says_why():
    with pytest.raises(SandboxError, match="no such fixture file or folder"):
        Sandbox.start(fixtures="/nonexistent/fixtures")


def test_start_and_stop_by_hand():
    with Sandbox.start(fixtures=os.environ.get("AGENT_SANDBOX_FIXTURES")) as sb:
        assert sb.health()["status"] == "ok"
        process = sb._process
    assert process.returncode == 0
