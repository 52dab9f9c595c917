#!/usr/bin/env python3
"""Checks the shipped alert rules and Grafana dashboard against a running PersonaWorlds binary.

    scripts/check-monitoring.py --base http://127.0.0.1:PORT [--promtool promtool] RULES.yml DASHBOARD.json

Run by scripts/test-monitoring.sh (make test-monitoring), which starts the binary. It
  1. reads every PromQL expression of the rules (record and alert) and of the dashboard (panel targets and
     the templating queries);
  2. checks the dashboard's shape: the data source is the template variable DS_PROMETHEUS on every panel
     and target (so it imports into any Grafana), panel ids are unique, and each query is valid PromQL
     (promtool checks them as recording rules, with the template variables filled in);
  3. checks that the dashboard's list of LLM routes is the rules' list;
  4. sends one request to every route the rules name (the LLM and operations routes), so their `route`
     label values exist, and one request past a rate limit, then scrapes /metrics;
  5. fails on any metric name a query uses that the binary does not export (its `# TYPE` lines are there
     even before a first sample): `_bucket`, `_sum`, `_count` belong to a histogram family, names defined
     by a recording rule are checked through their own expression, and `up` is the one series Prometheus
     makes itself; on any label a selector uses that the family's samples do not carry (families without
     samples yet are listed, not guessed); on any grouping label (by, without, on, ignoring) that none of
     the expression's metrics carries (when they all have samples); and on any route the rules name that
     the binary does not label.
Exit status 0 when everything holds, 1 with one line per problem otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid

import yaml

# Series Prometheus adds on its own for every target; the binary cannot export them.
PROMETHEUS_SERIES = {"up"}
# Labels Prometheus attaches to every scraped series (the target's), and the one the rules create.
TARGET_LABELS = {"job", "instance"}
RULE_LABELS = {"route_class"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "atan2", "inf", "nan", "start", "end"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# Aggregation operators: `sum by (le) (...)` puts the grouping between the name and its parenthesis.
AGGREGATORS = {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile",
               "count_values", "limitk", "limit_ratio"}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}\[\],@])
""", re.X)


def tokens(expr):
    pos, out = 0, []
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"cannot read PromQL at {expr[pos:pos + 30]!r}")
        pos = m.end()
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group()))
    return out


def unquote(text):
    if text.startswith("`"):
        return text[1:-1]
    return json.loads('"' + text[1:-1].replace('\\"', '"').replace('"', '\\"') + '"') if text[0] == "'" else json.loads(text)


def analyse(expr):
    """The metric names an expression reads (name -> set of labels its selectors match on), the labels it
    groups or matches by, and its selectors' label matchers as (name, label, op, value)."""
    toks = tokens(expr)
    metrics, grouping, matchers = {}, set(), []
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else None
        if kind == "ident" and text in GROUPING:
            i += 1
            if i < len(toks) and toks[i][1] == "(":
                i += 1
                while toks[i][1] != ")":
                    if toks[i][0] == "ident":
                        grouping.add(toks[i][1])
                    i += 1
            continue
        if kind == "ident" and text == "offset":
            i += 2
            continue
        if kind == "ident" and (text in KEYWORDS or text in AGGREGATORS or nxt == "("):
            i += 1
            continue
        if text == "[":
            while toks[i][1] != "]":
                i += 1
            i += 1
            continue
        if kind == "ident" or text == "{":
            name = text if kind == "ident" else None
            if name is not None:
                metrics.setdefault(name, set())
                i += 1
            if i < len(toks) and toks[i][1] == "{":
                i += 1
                while toks[i][1] != "}":
                    label, op, value = toks[i][1], toks[i + 1][1], unquote(toks[i + 2][1])
                    if label == "__name__":
                        name = value
                        metrics.setdefault(name, set())
                    else:
                        metrics.setdefault(name, set()).add(label)
                        matchers.append((name, label, op, value))
                    i += 3
                    if toks[i][1] == ",":
                        i += 1
                i += 1
            continue
        i += 1
    metrics.pop(None, None)
    return metrics, grouping, matchers


def self_test():
    """The extractor's own check: a wrong answer here would let missing metrics through."""
    m, g, _ = analyse('histogram_quantile(0.95, sum by (job, le) (rate(a_bucket{job="x",route!~"/b/\\\\{id\\\\}"}[5m]))) '
                      '> on (job) 2 * b offset 5m and c:rec unless sum(d) without (instance) or {__name__="e"}')
    assert m == {"a_bucket": {"job", "route"}, "b": set(), "c:rec": set(), "d": set(), "e": set()}, m
    assert g == {"job", "le", "instance"}, g
    m, _, _ = analyse('time() - (x or y{i="1"}) > 1e-3 and label_replace(z, "dst", "v", "src", ".*")')
    assert m == {"x": set(), "y": {"i"}, "z": set()}, m


# ------------------------------------------------------------------ the files

def rule_expressions(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    exprs, recorded, route_regexes = [], set(), {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            name = rule.get("record") or rule.get("alert")
            exprs.append((f"{os.path.basename(path)}: {name}", rule["expr"]))
            if "record" in rule:
                recorded.add(rule["record"])
            # The route classes: label_replace(..., "route_class", "<class>", "route", "<regex>").
            for cls, regex in re.findall(r'"route_class",\s*"(\w+)",\s*"route",\s*("(?:[^"\\]|\\.)*")', rule["expr"]):
                route_regexes[cls] = unquote(regex)
    return exprs, recorded, route_regexes


def dashboard_expressions(path, problems):
    with open(path) as f:
        dash = json.load(f)
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("DS_PROMETHEUS")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("dashboard: no data source template variable DS_PROMETHEUS of type prometheus")
    want_ds = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
    exprs, ids = [], set()

    def walk(panels):
        for panel in panels:
            where = f"dashboard: panel {panel.get('title')!r}"
            if panel.get("id") in ids:
                problems.append(f"{where}: duplicate id {panel.get('id')}")
            ids.add(panel.get("id"))
            if panel.get("type") != "row":
                if panel.get("datasource") != want_ds:
                    problems.append(f"{where}: data source {panel.get('datasource')} is not ${{DS_PROMETHEUS}}")
                if not panel.get("targets"):
                    problems.append(f"{where}: no query")
            for target in panel.get("targets", []):
                if target.get("datasource") != want_ds:
                    problems.append(f"{where}: a target's data source is not ${{DS_PROMETHEUS}}")
                exprs.append((where, target["expr"]))
            walk(panel.get("panels", []))

    walk(dash.get("panels", []))
    for name, var in variables.items():
        if var.get("type") != "query":
            continue
        if var.get("datasource") != want_ds:
            problems.append(f"dashboard: variable {name}: data source is not ${{DS_PROMETHEUS}}")
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query.strip())
        exprs.append((f"dashboard: variable {name}", m.group(1) if m else query))
    return exprs


def fill_variables(expr):
    """A dashboard query with its template variables given values, as Prometheus would receive it."""
    return (expr.replace("$__rate_interval", "5m").replace('"$job"', '"personaworlds"')
            .replace('"$instance"', '".*"'))


def check_dashboard_syntax(exprs, promtool, problems):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query:{i}", "expr": fill_variables(e)} for i, (_, e) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump(rules, f)
    try:
        out = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
        if out.returncode != 0:
            problems.append("dashboard: a query is not valid PromQL:\n" + out.stdout + out.stderr)
    finally:
        os.unlink(f.name)


# ------------------------------------------------------------------ the binary

def request(base, method, path):
    req = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def routes_of(regex):
    """The route patterns of an alternation such as `/b/\\{id\\}|/metrics`."""
    return [alt.replace("\\{", "{").replace("\\}", "}") for alt in regex.split("|")]


def exercise(base, routes):
    """One GET and one POST to each route (a wrong method is 405 and unlabelled; auth failures are labelled),
    then public reads until the rate limit answers 429."""
    for route in routes:
        path = route.replace("{id}", str(uuid.uuid4())).replace("{slug}", "no-such-slug")
        for method in ("GET", "POST"):
            request(base, method, path)
    for _ in range(5):
        if request(base, "GET", "/templates")[0] == 429:
            break
    status, text = request(base, "GET", "/metrics")
    if status != 200:
        raise SystemExit(f"check-monitoring: GET /metrics -> {status}")
    return text


def parse_labels(text):
    """`a="x",b="y\\"z"` -> {"a": "x", "b": 'y"z'} (values may hold braces, commas and escaped quotes)."""
    labels, i = {}, 0
    while i < len(text):
        m = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?').match(text, i)
        if not m:
            break
        labels[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
        i = m.end()
    return labels


def exposition(text):
    """Families by name with their type, and the label names and label values seen in each family's samples."""
    types, labels, values = {}, {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind.strip()
        elif line and not line.startswith("#"):
            brace = line.find("{")
            space = line.find(" ")
            if brace != -1 and brace < space:
                name, body = line[:brace], line[brace + 1:line.rfind("}")]
                sample = parse_labels(body)
            else:
                name, sample = line[:space], {}
            labels.setdefault(name, set()).update(sample)
            for key, value in sample.items():
                values.setdefault((name, key), set()).add(value)
    return types, labels, values


def family_of(name, types):
    if name in types:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="base URL of the running binary")
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("rules")
    parser.add_argument("dashboard")
    args = parser.parse_args()
    self_test()

    problems = []
    rule_exprs, recorded, route_regexes = rule_expressions(args.rules)
    dash_exprs = dashboard_expressions(args.dashboard, problems)
    check_dashboard_syntax(dash_exprs, args.promtool, problems)

    if set(route_regexes) != {"non_llm", "llm", "ops"}:
        problems.append(f"rules: route classes {sorted(route_regexes)}, expected llm, non_llm and ops")
    llm, ops = route_regexes.get("llm", ""), route_regexes.get("ops", "")
    for where, expr in dash_exprs:
        for _, label, _, value in analyse(fill_variables(expr))[2]:
            if label == "route" and "draft" in value and value not in (llm, f"{ops}|{llm}"):
                problems.append(f"{where}: its LLM routes {value!r} differ from the rules' {llm!r}")

    named_routes = routes_of(llm) + routes_of(ops)
    types, sample_labels, label_values = exposition(exercise(args.base, named_routes))
    for route in named_routes:
        if route not in label_values.get(("http_requests_total", "route"), set()):
            problems.append(f"rules: route {route!r} is not a route label the binary records")

    used, unlabelled = set(), set()
    for where, expr in rule_exprs + dash_exprs:
        metrics, grouping, _ = analyse(fill_variables(expr))
        # Labels the expression's series can carry: those of its exported metrics' samples, the target's,
        # the ones the rules make, and `le`; unknown while one of its metrics has no sample yet.
        available = TARGET_LABELS | RULE_LABELS | {"le"}
        for name, labels in metrics.items():
            used.add(name)
            if name in recorded or name in PROMETHEUS_SERIES:
                continue
            family = family_of(name, types)
            if family is None:
                problems.append(f"{where}: metric {name} is not exported by the binary")
                continue
            seen_name = name if name in sample_labels else family
            if seen_name not in sample_labels:
                unlabelled.add(family)
                available = None
                continue
            if available is not None:
                available |= sample_labels[seen_name]
            for label in labels - sample_labels[seen_name] - TARGET_LABELS:
                problems.append(f"{where}: {name} has no label {label!r} (it has {sorted(sample_labels[seen_name])})")
        for label in grouping - available if available is not None else ():
            problems.append(f"{where}: none of its metrics has the label {label!r} it groups or matches by")

    exported = sorted(n for n in used if n not in recorded and n not in PROMETHEUS_SERIES)
    print(f"check-monitoring: {len(rule_exprs)} rule and {len(dash_exprs)} dashboard expressions read "
          f"{len(exported)} exported metric names, {len(used & recorded)} recording rules, "
          f"{sorted(used & PROMETHEUS_SERIES)} from Prometheus")
    if unlabelled:
        print(f"check-monitoring: no samples yet (labels not checked): {', '.join(sorted(unlabelled))}")
    for problem in problems:
        print(f"check-monitoring: FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
