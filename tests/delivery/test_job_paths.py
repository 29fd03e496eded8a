"""Every job path given to RQ as a string names a function that exists and takes the arguments enqueued.

RQ imports a job's function by its dotted path only when a worker runs it: a renamed or moved job would
fail in production, job after job, while every enqueue still succeeds. The paths are found in the source
(any call whose name holds "enqueue" and has a dotted path of ours among its arguments), so a new job is
checked the day it is written and a rename is caught at once.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "keystore", "payments", "delivery", "feedback")


@dataclass(frozen=True)
class JobCall:
    path: str  # "delivery.jobs.fulfil_order"
    where: str  # "delivery/queues.py:39"
    positional: int | None  # arguments enqueued for the job; None when a *args hides how many
    keywords: tuple[str, ...]  # the call's keyword arguments


def _is_job_path(value: object) -> bool:
    return isinstance(value, str) and value.split(".")[0] in PACKAGES and value.count(".") >= 2 and " " not in value


def _callee_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def job_calls_in(source: str, where: str) -> list[JobCall]:
    """The enqueue calls of one module that name a job by a string: a literal, or a module-level constant."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or "enqueue" not in _callee_name(call).lower():
            continue
        for index, arg in enumerate(call.args):
            value = (
                arg.value
                if isinstance(arg, ast.Constant)
                else constants.get(arg.id)
                if isinstance(arg, ast.Name)
                else None
            )
            if _is_job_path(value):
                rest = call.args[index + 1 :]
                positional = None if any(isinstance(a, ast.Starred) for a in rest) else len(rest)
                keywords = tuple(k.arg or "**" for k in call.keywords)
                found.append(JobCall(value, f"{where}:{call.lineno}", positional, keywords))
                break
    return found


def all_job_calls() -> list[JobCall]:
    calls = []
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            relative = file.relative_to(ROOT).as_posix()
            calls += job_calls_in(file.read_text(encoding="utf-8"), relative)
    return calls


CALLS = all_job_calls()
# Options of RQ's Queue.enqueue and of our delivery.queues.enqueue (retry): none reaches the job itself.
QUEUE_OPTIONS = {
    "job_timeout", "description", "result_ttl", "ttl", "failure_ttl", "depends_on", "job_id", "at_front",
    "meta", "retry", "repeat", "on_success", "on_failure", "on_stopped", "rate_limit", "webhooks", "pipeline",
    "unique",
}  # fmt: skip


def test_the_source_enqueues_jobs_by_path():
    """The finder itself works: the shop enqueues five kinds of job (fulfilment, refund, report
    decision, import and the one mail drain), each found."""
    assert {call.path.rsplit(".", 1)[1] for call in CALLS} >= {
        "fulfil_order",
        "refund_payment",
        "decide_report",
        "import_batch",
        "send_owed_mail",
    }, CALLS
    assert any(call.where.startswith("delivery/queues.py") for call in CALLS)


def problem_with(call: JobCall) -> str | None:
    """What a worker would trip over running this job; None when it would find the function and bind its arguments."""
    module_name, _, name = call.path.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), name, None)
    except ImportError as exc:
        return f"{call.where} enqueues {call.path}: {exc}"
    if not callable(function):
        return f"{call.where} enqueues {call.path}, which {module_name} does not define"
    unknown = set(call.keywords) - QUEUE_OPTIONS
    if unknown:
        return f"{call.where}: keyword arguments {sorted(unknown)} would reach the job; check them here"
    if call.positional is not None:
        try:
            inspect.signature(function).bind(*[None] * call.positional)
        except TypeError as exc:
            return f"{call.where} enqueues {call.path} with {call.positional} arguments: {exc}"
    return None


@pytest.mark.parametrize("call", CALLS, ids=lambda call: f"{call.path}@{call.where}")
def test_job_path_resolves_to_a_function_taking_its_arguments(call: JobCall):
    assert problem_with(call) is None, problem_with(call)


def test_a_renamed_moved_or_mis_called_job_is_caught():
    assert "does not define" in problem_with(JobCall("delivery.jobs.no_such_job", "probe.py:1", 1, ()))
    assert "No module named" in problem_with(JobCall("delivery.no_such_module.job", "probe.py:1", 1, ()))
    fulfil = next(call for call in CALLS if ".jobs." in call.path)
    assert "arguments" in problem_with(JobCall(fulfil.path, "probe.py:1", 5, ()))


def test_the_finder_reads_literals_constants_and_wrappers():
    source = """
JOB = "delivery.jobs.renamed"
enqueue("notify", "feedback.jobs.decide_report", report_id, retry=RETRY)
queue("imports").enqueue(JOB, 7, job_timeout=60)
queue(name).enqueue(function, *args)
audit(session, actor, "payments.refund.requested", detail)
enqueue("x", "delivery.jobs.any", *ids)
"""
    calls = job_calls_in(source, "probe.py")
    assert [(c.path, c.positional, c.keywords) for c in calls] == [
        ("feedback.jobs.decide_report", 1, ("retry",)),
        ("delivery.jobs.renamed", 1, ("job_timeout",)),
        ("delivery.jobs.any", None, ()),
    ]
