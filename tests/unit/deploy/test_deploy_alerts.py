"""The Prometheus alert rules: well formed, on metric names the code exports, with runbook
links that land on a heading of docs/operations.md."""

from __future__ import annotations

import re

import pytest

from deployfiles import ALERTS, OPERATIONS, ROOT, yaml_documents

# The metrics the rules may use, with their labels (shared/metrics.py defines them).
METRICS = {
    "hookmaker_ingress_requests_total": {"source", "status"},
    "hookmaker_events_total": {"outcome"},
    "hookmaker_oldest_pending_age_seconds": set(),
    "hookmaker_queue_depth": set(),
    "hookmaker_dead_letters": {"reason"},
    "hookmaker_circuit_state": {"server", "state"},
    "hookmaker_filemaker_request_seconds": {"database", "code"},
    "hookmaker_store_up": set(),
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
CIRCUIT_STATES = {"closed", "open", "half_open", "halted"}


def _rules() -> list[dict]:
    (doc,) = yaml_documents(ALERTS)
    return [rule for group in doc["groups"] for rule in group["rules"]]


RULES = _rules()


def _base(name: str) -> str:
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in METRICS:
            return name.removesuffix(suffix)
    return name


def _metric_uses(expr: str) -> list[tuple[str, str]]:
    """(metric, label matchers text) for every hookmaker metric in a PromQL expression."""
    return [(_base(m.group(1)), m.group(2) or "")
            for m in re.finditer(r"\b(hookmaker_[a-z_]+)(\{[^}]*\})?", expr)]


@pytest.mark.parametrize("rule", RULES, ids=[r["alert"] for r in RULES])
def test_rule_is_well_formed(rule: dict) -> None:
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
    assert re.fullmatch(r"Hookmaker[A-Za-z0-9]+", rule["alert"])
    assert re.fullmatch(r"\d+[smh]", rule["for"])
    assert rule["labels"]["severity"] in ("warning", "critical")
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    expr = rule["expr"]
    for opening, closing in ("()", "{}", "[]"):
        depth = 0
        for char in expr:
            depth += (char == opening) - (char == closing)
            assert depth >= 0, f"unbalanced {opening}{closing} in {expr!r}"
        assert depth == 0, f"unbalanced {opening}{closing} in {expr!r}"


@pytest.mark.parametrize("rule", RULES, ids=[r["alert"] for r in RULES])
def test_rule_uses_known_metrics_and_labels(rule: dict) -> None:
    uses = _metric_uses(rule["expr"])
    assert uses, "every rule watches a Hookmaker metric"
    for metric, matchers in uses:
        assert metric in METRICS, f"unknown metric {metric}"
        for label, value in re.findall(r'(\w+)\s*=~?\s*"([^"]*)"', matchers):
            assert label in METRICS[metric], f"{metric} has no label {label}"
            if label == "state":
                assert set(value.split("|")) <= CIRCUIT_STATES, value
    grouped = re.findall(r"by \(([^)]*)\)", rule["expr"])
    labels = set().union(*(METRICS[m] for m, _ in uses)) | {"le"}
    for group in grouped:
        assert {g.strip() for g in group.split(",")} <= labels, group


def test_the_alerts_cover_what_the_issue_asks() -> None:
    used = {m for rule in RULES for m, _ in _metric_uses(rule["expr"])}
    assert {"hookmaker_oldest_pending_age_seconds", "hookmaker_dead_letters",
            "hookmaker_circuit_state", "hookmaker_ingress_requests_total"} <= used
    ingress = [r for r in RULES if "hookmaker_ingress_requests_total" in r["expr"]]
    assert any('status=~"5..' in r["expr"] for r in ingress)


def test_metric_names_are_the_ones_the_code_exports() -> None:
    """Counters are declared without ``_total``; gauges read from Redis by full name."""
    source = (ROOT / "shared" / "metrics.py").read_text(encoding="utf-8")
    used = {m for rule in RULES for m, _ in _metric_uses(rule["expr"])}
    for metric in used:
        declared = metric.removesuffix("_total")
        assert f'"{declared}"' in source, f"{metric} is not exported by shared/metrics.py"


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for line in markdown.splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(text.replace(" ", "-"))
    return out


def test_runbook_links_land_on_headings() -> None:
    anchors = _anchors(OPERATIONS.read_text(encoding="utf-8"))
    for rule in RULES:
        page, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert page == "docs/operations.md" and anchor in anchors, rule["annotations"]["runbook"]
