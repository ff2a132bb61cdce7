"""soak's Grafana dashboards, defined here and written to dashboards/*.json by scripts/generate.

The JSON files are checked in (Grafana and the Kubernetes ConfigMaps read them); this module is their
source. After changing it, run `scripts/generate` and commit both; `scripts/generate --check` (run by
the tests) fails when the files and this module disagree.

Conventions (those of the monitoring mixins): schemaVersion 39, uid soak-<slug>, title "Soak / ...",
tag soak; a datasource variable; job and instance multi-select variables with allValue .+; every
query matches job and instance and uses $__rate_interval; every panel has a title, a description and
a unit; firing soak alerts are annotations.
"""
SELECTOR = 'job=~"$job", instance=~"$instance"'
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def variable(name, label, query, multi=True):
    return {
        "name": name, "label": label, "type": "query", "datasource": DATASOURCE,
        "query": {"query": query, "refId": f"{name}-variable"}, "definition": query,
        "refresh": 2, "sort": 1, "multi": multi, "includeAll": True, "allValue": ".+",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
    }


def variables(extra):
    datasource = {
        "name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
        "current": {}, "hide": 0, "refresh": 1, "regex": "",
    }
    job = variable("job", "Job", "label_values(soak_build_info, job)")
    instance = variable("instance", "Instance", 'label_values(soak_build_info{job=~"$job"}, instance)')
    return [datasource, job, instance] + extra


def target(expr, legend, ref):
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def panel(title, description, unit, targets, kind="timeseries", stacked=False, min_zero=True):
    defaults = {"unit": unit}
    if kind == "timeseries":
        defaults["custom"] = {
            "drawStyle": "line", "lineWidth": 1, "fillOpacity": 20 if stacked else 10, "showPoints": "never",
            "spanNulls": False, "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
        }
        if min_zero:
            defaults["min"] = 0
    result = {
        "type": kind, "title": title, "description": description, "datasource": DATASOURCE,
        "targets": [target(expr, legend, chr(ord("A") + index)) for index, (expr, legend) in enumerate(targets)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
    }
    if kind == "timeseries":
        result["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                             "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "heatmap":
        result["targets"][0]["format"] = "heatmap"
        result["options"] = {"calculate": False, "yAxis": {"unit": unit}, "cellGap": 1,
                             "color": {"mode": "scheme", "scheme": "Oranges", "exponent": 0.5}}
    return result


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def dashboard(slug, title, description, extra_variables, items):
    panels = []
    x, y = 0, 0
    for index, item in enumerate(items):
        item = dict(item, id=index + 1)
        if item["type"] == "row":
            if x:
                x, y = 0, y + 8
            item["gridPos"] = {"x": 0, "y": y, "w": 24, "h": 1}
            y += 1
        else:
            item["gridPos"] = {"x": x, "y": y, "w": 12, "h": 8}
            x += 12
            if x == 24:
                x, y = 0, y + 8
        panels.append(item)
    return {
        "uid": f"soak-{slug}", "title": f"Soak / {title}", "description": description, "tags": ["soak"],
        "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1, "timezone": "utc",
        "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
        "templating": {"list": variables(extra_variables)},
        "annotations": {"list": [{
            "name": "Soak alerts", "datasource": DATASOURCE, "enable": True, "iconColor": "red",
            "expr": 'ALERTS{alertname=~"Soak.*", alertstate="firing"}', "step": "60s",
            "titleFormat": "{{alertname}}", "textFormat": "{{instance}} {{scenario}}{{database}}{{probe}}",
            "useValueForTime": False,
        }]},
        "links": [{"title": "Soak dashboards", "type": "dashboards", "tags": ["soak"], "asDropdown": True}],
        "panels": panels,
    }


def rate(metric, labels="", by=None):
    inner = f"rate({metric}{{{SELECTOR}{labels}}}[$__rate_interval])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def or_zero(expr, zero):
    """`expr`, or 0 for each series of `zero` while `expr` has none (a counter made at its first event)."""
    return f"({expr}) or (0 * {zero})"


def quantile(q, metric, labels, by):
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{SELECTOR}{labels}}}[$__rate_interval])))"


def gauge(function, metric, labels, by):
    aggregate = {"max_over_time": "max", "min_over_time": "min", "avg_over_time": "avg"}[function]
    return f"{aggregate} by ({by}) ({function}({metric}{{{SELECTOR}{labels}}}[$__rate_interval]))"


def overview():
    request = ', scenario=~"$scenario", request=~"$request"'
    scenario = ', scenario=~"$scenario"'
    extra = [
        variable("scenario", "Scenario", 'label_values(soak_http_requests_total{job=~"$job", instance=~"$instance"}, scenario)'),
        variable("request", "Request",
                 'label_values(soak_http_requests_total{job=~"$job", instance=~"$instance", scenario=~"$scenario"}, request)'),
    ]
    items = [
        row("Traffic"),
        panel("Requests per second", "Finished requests per second by scenario and request, answered or not.", "reqps",
              [(rate("soak_http_requests_total", request, "scenario, request"), "{{scenario}}/{{request}}")]),
        panel("Error ratio", "Failed requests (transport failures, unexpected status, failed checks) over all requests.",
              "percentunit",
              [(f'{rate("soak_http_request_errors_total", request, "scenario, request")} / '
                f'{rate("soak_http_requests_total", request, "scenario, request")}', "{{scenario}}/{{request}}")]),
        panel("Errors by reason", "Failed requests per second by reason: timeout, connect, dns, tls, status, check, other.",
              "reqps", [(rate("soak_http_request_errors_total", request, "scenario, request, reason"),
                         "{{scenario}}/{{request}} {{reason}}")], stacked=True),
        panel("Requests by status code", "Finished requests per second by HTTP status; code 0 means no answer came.",
              "reqps", [(rate("soak_http_requests_total", request, "code"), "{{code}}")], stacked=True),
        row("Latency"),
        panel("Latency p50, p95, p99",
              "Latency per request, from the intended send time in the open model, and the p95 objective from soak's thresholds.",
              "s", [
                  (quantile(0.5, "soak_http_request_duration_seconds", request, "scenario, request"), "p50 {{scenario}}/{{request}}"),
                  (quantile(0.95, "soak_http_request_duration_seconds", request, "scenario, request"), "p95 {{scenario}}/{{request}}"),
                  (quantile(0.99, "soak_http_request_duration_seconds", request, "scenario, request"), "p99 {{scenario}}/{{request}}"),
                  (gauge("max_over_time", "soak_objective_latency_seconds", request + ', percentile="95"', "scenario, request"),
                   "objective p95 {{scenario}}/{{request}}"),
              ]),
        panel("Latency heatmap", "How request latencies are spread over the histogram's buckets, all selected requests together.",
              "s", [(f'sum by (le) (rate(soak_http_request_duration_seconds_bucket{{{SELECTOR}{request}}}[$__rate_interval]))',
                     "{{le}}")], kind="heatmap"),
        panel("Phases p95", "p95 of each phase: resolve, connect and tls on new connections; processing (sent to first byte) and transfer.",
              "s", [(quantile(0.95, "soak_http_phase_duration_seconds", request, "phase"), "{{phase}}")]),
        panel("Bytes per second", "Bytes sent (headers and bodies) and received (headers and whole bodies).", "Bps", [
            (rate("soak_http_request_bytes_total", request), "sent"),
            (rate("soak_http_response_bytes_total", request), "received"),
        ]),
        row("Can soak's numbers be trusted?"),
        panel("Requests in flight", "Requests sent and not yet answered, by scenario.", "short",
              [(gauge("max_over_time", "soak_http_requests_in_flight", scenario, "scenario"), "{{scenario}}")]),
        panel("Dropped sends", "Open-model sends skipped because max_in_flight requests were in flight; any is a sign the target or soak cannot keep up.",
              "reqps", [(rate("soak_http_requests_dropped_total", scenario, "scenario"), "{{scenario}}")]),
        panel("Schedule lag p99", "How late soak sends compared with the intended time; above a few milliseconds soak itself is short of CPU.",
              "s", [(quantile(0.99, "soak_schedule_lag_seconds", scenario, "scenario"), "{{scenario}}")]),
        panel("Virtual users", "Closed-model users running, by scenario and class (they rise through the ramp-up).", "short",
              [(gauge("max_over_time", "soak_virtual_users", scenario, "scenario, user_class"), "{{scenario}} {{user_class}}")]),
        panel("Connections opened", "New sockets per second to each target; it barely moves while keep-alive works.", "cps",
              [(rate("soak_http_connections_opened_total", "", "target"), "{{target}}")]),
        panel("soak CPU", "CPU time the soak process uses, in cores.", "percentunit",
              [(rate("process_cpu_seconds_total", "", "instance"), "{{instance}}")]),
        panel("soak memory", "Resident memory of the soak process; it should stay flat over days.", "bytes",
              [(gauge("max_over_time", "process_resident_memory_bytes", "", "instance"), "{{instance}}")]),
    ]
    return dashboard("overview", "Overview", "soak's HTTP traffic: rate, errors, latency, phases, and whether soak itself keeps up.",
                     extra, items)


def database():
    db = ', database=~"$database"'
    extra = [variable("database", "Database",
                      'label_values(soak_db_probe_success{job=~"$job", instance=~"$instance"}, database)')]
    items = [
        row("Probes"),
        panel("Connect latency", "Time for a fresh connection to become ready (TCP, TLS, authentication, and whatever a proxy does first).",
              "s", [
                  (quantile(0.5, "soak_db_connect_duration_seconds", db, "database"), "p50 {{database}}"),
                  (quantile(0.95, "soak_db_connect_duration_seconds", db, "database"), "p95 {{database}}"),
                  (quantile(0.99, "soak_db_connect_duration_seconds", db, "database"), "p99 {{database}}"),
              ]),
        panel("Query latency", "The query probe's SQL on its kept connection, until the last row.", "s", [
            (quantile(0.5, "soak_db_query_duration_seconds", db, "database, query"), "p50 {{database}} {{query}}"),
            (quantile(0.95, "soak_db_query_duration_seconds", db, "database, query"), "p95 {{database}} {{query}}"),
        ]),
        panel("Probe success", "1 while a probe's latest run succeeded, 0 when it failed (the worst in each interval).", "bool",
              [(gauge("min_over_time", "soak_db_probe_success", db, "database, probe"), "{{database}} {{probe}}")]),
        panel("Probe errors by reason", "Failed probe runs per second by reason.", "ops",
              [(rate("soak_db_probe_errors_total", db, "database, probe, reason"), "{{database}} {{probe}} {{reason}}")],
              stacked=True),
        panel("Server connections by state", "Sessions of the database in pg_stat_activity by state, soak's own and the rest together.",
              "short", [(gauge("max_over_time", "soak_db_server_connections", db, "database, state"), "{{database}} {{state}}")],
              stacked=True),
        panel("Connections: soak's and the limit", "Connections soak holds open, and the server's max_connections.", "short", [
            (gauge("max_over_time", "soak_db_connections_open", db, "database"), "soak {{database}}"),
            (gauge("max_over_time", "soak_db_server_connections_max", db, "database"), "max_connections {{database}}"),
        ]),
        row("Connection-lifetime tests"),
        panel("Holds alive", "1 while a connection-lifetime test holds a live connection.", "bool",
              [(gauge("min_over_time", "soak_db_hold_alive", db, "database, test"), "{{database}} {{test}}")]),
        panel("Hold runs by result", "Finished holds: survived to their planned end, died before it, or failed to start.", "short",
              [(f'sum by (database, test, result) (increase(soak_db_hold_runs_total{{{SELECTOR}{db}}}[$__rate_interval]))',
                "{{database}} {{test}} {{result}}")], stacked=True),
        panel("Lifetime at death", "How long held connections lived before they died (median and longest of each interval).", "s", [
            (quantile(0.5, "soak_db_hold_lifetime_seconds", db, "database, test"), "p50 {{database}} {{test}}"),
            (quantile(1, "soak_db_hold_lifetime_seconds", db, "database, test"), "max {{database}} {{test}}"),
        ]),
        panel("Disconnect reasons", "Held connections that died, by reason: idle_session_timeout, idle_in_transaction_timeout, admin_shutdown, server_closed, ssl_error, network, other.",
              "short", [(or_zero(f'sum by (database, test, reason) (increase(soak_db_hold_disconnects_total{{{SELECTOR}{db}}}[$__rate_interval]))',
                                 gauge("max_over_time", "soak_db_hold_alive", db, "database, test")),
                         "{{database}} {{test}} {{reason}}")], stacked=True),
        panel("NOTIFY latency", "Time from sending a NOTIFY to the listener reading it (listen_with_notify).", "s", [
            (quantile(0.5, "soak_db_notify_latency_seconds", db, "database, test"), "p50 {{database}}"),
            (quantile(0.95, "soak_db_notify_latency_seconds", db, "database, test"), "p95 {{database}}"),
        ]),
        panel("Notifications by outcome", "Notifications sent, received, missing (sent and never received), duplicate and out of order.",
              "short", [(f'sum by (database, outcome) (increase(soak_db_notifications_total{{{SELECTOR}{db}}}[$__rate_interval]))',
                         "{{database}} {{outcome}}")]),
        panel("Server settings", "Settings that end or keep connections, in seconds; 0 means disabled.", "s",
              [(gauge("max_over_time", "soak_db_setting_seconds", db, "database, name"), "{{database}} {{name}}")]),
    ]
    return dashboard("database", "Database", "PostgreSQL as soak sees it: connect and query latency, sessions, and connection lifetimes through proxies.",
                     extra, items)


def tasks():
    probe = ', probe=~"$probe"'
    extra = [variable(
        "probe", "Probe",
        'label_values({__name__=~"soak_ingest_tasks_per_second|soak_tasks_in_progress|soak_json_probe_success", '
        'job=~"$job", instance=~"$instance"}, probe)')]
    items = [
        row("Ingestion"),
        panel("Ingestion rate", "The last round's tasks over its wall time, as the hand-run ingestion test computed it.", "suffix:tasks/s",
              [(gauge("max_over_time", "soak_ingest_tasks_per_second", probe, "probe"), "{{probe}}")]),
        panel("Tasks ingested", "Tasks the ingestion calls reported in each interval.", "short",
              [(f'sum by (probe) (increase(soak_ingested_tasks_per_request_sum{{{SELECTOR}{probe}}}[$__rate_interval]))', "{{probe}}")]),
        panel("Tasks per call", "How many tasks single ingestion calls reported, over the histogram's buckets (failed calls count 0).",
              "short", [(f'sum by (le) (rate(soak_ingested_tasks_per_request_bucket{{{SELECTOR}{probe}}}[$__rate_interval]))', "{{le}}")],
              kind="heatmap"),
        panel("Ingestion call duration", "Time of one ingestion call; much longer than the server's window means the API process queues.",
              "s", [(quantile(0.95, "soak_ingest_request_duration_seconds", probe, "probe"), "p95 {{probe}}")]),
        panel("Ingestion errors", "Failed ingestion calls per second by reason.", "ops",
              [(rate("soak_ingest_errors_total", probe, "probe, reason"), "{{probe}} {{reason}}")], stacked=True),
        row("Task lifecycle"),
        panel("Task phases p95", "p95 of each phase of followed tasks: blocked (waiting for resources), queue (for a worker), run, total.",
              "s", [(quantile(0.95, "soak_task_phase_duration_seconds", probe, "probe, phase"), "{{probe}} {{phase}}")]),
        panel("Tasks finished by state", "Followed tasks that reached a final state in each interval.", "short",
              [(f'sum by (probe, state) (increase(soak_tasks_finished_total{{{SELECTOR}{probe}}}[$__rate_interval]))',
                "{{probe}} {{state}}")], stacked=True),
        panel("Tasks in progress", "Dispatched tasks being followed.", "short",
              [(gauge("max_over_time", "soak_tasks_in_progress", probe, "probe"), "{{probe}}")]),
        panel("Follow timeouts and dispatch errors", "Tasks not final within the probe's timeout, and dispatches that yielded no task, per second.",
              "ops", [
                  (rate("soak_task_follow_timeouts_total", probe, "probe"), "timeout {{probe}}"),
                  (rate("soak_task_dispatch_errors_total", probe, "probe, reason"), "dispatch {{probe}} {{reason}}"),
                  (rate("soak_task_poll_errors_total", probe, "probe, reason"), "poll {{probe}} {{reason}}"),
              ]),
        row("Status values"),
        panel("Status values", "Numbers read from JSON answers, such as Pulp's online workers and database connection.", "short",
              [(gauge("min_over_time", "soak_json_value", probe, "probe, name"), "{{probe}} {{name}}")]),
        panel("JSON probe success", "1 while a JSON value probe's latest request answered with every value, else 0.", "bool",
              [(gauge("min_over_time", "soak_json_probe_success", probe, "probe"), "{{probe}}")]),
    ]
    return dashboard("tasks", "Tasks", "Task ingestion, the lifecycle of dispatched tasks, and status values read from the service.",
                     extra, items)


# Each dashboard's file name under dashboards/ and its definition.
DASHBOARDS = {"soak-overview.json": overview, "soak-database.json": database, "soak-tasks.json": tasks}
