"""soak's Grafana dashboards, defined here and written to dashboards/*.json by scripts/generate.

The JSON files are checked in (Grafana and the Kubernetes ConfigMaps read them); this module is their
source. After changing it, run `scripts/generate` and commit both; `scripts/generate --check` (run by
the tests) fails when the files and this module disagree.

Conventions (those of the monitoring mixins and grafana's dashboard-linter): schemaVersion 39, uid
soak-<slug>, title "Soak / ...", tag soak; a datasource variable; job and instance multi-select variables
with allValue .+; every selector matches job and instance (Pulp's own series: pulp_job and pulp_instance);
every rate uses $__rate_interval, and a count that must not change with the zoom is an increase over a
fixed window (per hour); every panel has a title, a description and a unit; panels never overlap;
firing soak alerts are annotations. The tests check all of it (Tests/SoakTests/DashboardLintTests.swift).

Sharding (docs/operations.md#when-one-pod-is-not-enough): the pods of one deployment each send a share,
so a panel about the load sums across the pods the instance variable selects (All: the deployment): a
rate is a sum of rates, a ratio a ratio of sums, a quantile histogram_quantile over buckets summed by le,
a count of users or requests in flight a sum of each pod's. Readings of the target that every pod would
report alike (server settings, sessions, status values) take max or min, never a sum. Panels about one
process (CPU, memory, schedule lag, config reload) are split by instance and say "per pod".
"""
SELECTOR = 'job=~"$job", instance=~"$instance"'
# Pulp's own series come from pulpcore's OpenTelemetry metrics, scraped under their own job and instances.
PULP_SELECTOR = 'job=~"$pulp_job", instance=~"$pulp_instance"'
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# The window of the counts that must read the same at every zoom level.
FIXED_WINDOW = "1h"
PULP_METRICS = "pulp_api_request_duration_milliseconds_count|pulp_tasks_unblocked_queue|pulp_waiting_tasks"


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


def panel(title, description, unit, targets, kind="timeseries", stacked=False, min_zero=True, width=12, height=8, no_value=None):
    defaults = {"unit": unit}
    if no_value:
        defaults["noValue"] = no_value
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
        "gridPos": {"w": width, "h": height},
    }
    if kind == "timeseries":
        result["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                             "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind == "heatmap":
        result["targets"][0]["format"] = "heatmap"
        result["options"] = {"calculate": False, "yAxis": {"unit": unit}, "cellGap": 1,
                             "color": {"mode": "scheme", "scheme": "Oranges", "exponent": 0.5}}
    return result


def mapping(*states):
    """A value mapping: each (value, text, color) shows as its text in its color."""
    return [{"type": "value", "options": {
        str(value): {"text": text, "color": color, "index": index} for index, (value, text, color) in enumerate(states)}}]


def thresholds(*steps):
    """Colors by value: steps of (lowest value or None for the base, color)."""
    return {"mode": "absolute", "steps": [{"value": value, "color": color} for value, color in steps]}


OK_FAILED = mapping((1, "ok", "green"), (0, "failed", "red"))


def stat(title, description, unit, targets, mappings=(), steps=((None, "green"),), width=6, height=5):
    """The current value of each series, colored: a verdict that reads at a glance."""
    result = panel(title, description, unit, targets, kind="stat", width=width, height=height)
    result["fieldConfig"]["defaults"].update({"mappings": list(mappings), "thresholds": thresholds(*steps), "color": {"mode": "thresholds"}})
    result["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "background",
                         "graphMode": "none", "textMode": "value_and_name", "justifyMode": "auto", "orientation": "auto"}
    return result


def state_timeline(title, description, targets, mappings=(), steps=((None, "green"),), unit="none", width=24, height=6, overrides=()):
    """Each series as a band of colored states over time: when a hold died, when a probe failed."""
    result = panel(title, description, unit, targets, kind="state-timeline", width=width, height=height)
    result["fieldConfig"]["defaults"].update({"mappings": list(mappings), "thresholds": thresholds(*steps), "color": {"mode": "thresholds"},
                                              "custom": {"fillOpacity": 80, "lineWidth": 0}})
    result["fieldConfig"]["overrides"] = list(overrides)
    result["options"] = {"mergeValues": True, "showValue": "auto", "alignValue": "left", "rowHeight": 0.9,
                         "legend": {"showLegend": False}, "tooltip": {"mode": "single", "sort": "none"}}
    return result


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def dashboard(slug, title, description, extra_variables, items):
    """Lays the items out left to right in lines 24 wide, a row starting a new line."""
    panels = []
    x, y, line_height = 0, 0, 0
    for index, item in enumerate(items):
        item = dict(item, id=index + 1)
        if item["type"] == "row":
            y, x, line_height = y + line_height, 0, 0
            item["gridPos"] = {"x": 0, "y": y, "w": 24, "h": 1}
            y += 1
        else:
            width, height = item["gridPos"]["w"], item["gridPos"]["h"]
            if x + width > 24:
                y, x, line_height = y + line_height, 0, 0
            item["gridPos"] = {"x": x, "y": y, "w": width, "h": height}
            x, line_height = x + width, max(line_height, height)
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


def per_hour(metric, labels, by):
    """The count of the last hour at each point: the same number whatever the zoom."""
    return f"sum by ({by}) (increase({metric}{{{SELECTOR}{labels}}}[{FIXED_WINDOW}]))"


def or_zero(expr, zero):
    """`expr`, or 0 for each series of `zero` while `expr` has none (a counter made at its first event)."""
    return f"({expr}) or (0 * {zero})"


def quantile(q, metric, labels, by):
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket{{{SELECTOR}{labels}}}[$__rate_interval])))"


def gauge(function, metric, labels, by):
    aggregate = {"max_over_time": "max", "min_over_time": "min", "avg_over_time": "avg"}[function]
    return f"{aggregate} by ({by}) ({function}({metric}{{{SELECTOR}{labels}}}[$__rate_interval]))"


def summed(function, metric, labels, by):
    """A per-pod gauge (users, requests in flight) over the interval, added up across the pods."""
    return f"sum by ({by}) ({function}({metric}{{{SELECTOR}{labels}}}[$__rate_interval]))"


def objective_met(request):
    """1 where a request's p95 and error ratio are both within their objectives, else 0 (the alerts' test)."""
    by = "scenario, request"
    latency = quantile(0.95, "soak_http_request_duration_seconds", request, by)
    latency_objective = f'max by ({by}) (soak_objective_latency_seconds{{{SELECTOR}{request}, percentile="95"}})'
    ratio = f'{rate("soak_http_request_errors_total", request, by)} / {rate("soak_http_requests_total", request, by)}'
    ratio_objective = f"max by ({by}) (soak_objective_error_ratio{{{SELECTOR}{request}}})"
    return (f"({latency} <= bool on ({by}) {latency_objective})"
            f" * on ({by}) ({ratio} <= bool on ({by}) {ratio_objective})")


MET_MISSED = mapping((1, "met", "green"), (0, "missed", "red"))


def workers_online(labels, width=6):
    """The online_workers status value of the JSON value probes: red at none (SoakOnlineWorkersDropped)."""
    return stat("Workers online", "Task workers the service's status lists now (a JSON value probe's online_workers); red at none.", "short",
                [(f'min by (probe) (soak_json_value{{{SELECTOR}{labels}, name="online_workers"}})', "{{probe}}")],
                steps=((None, "red"), (1, "green")), width=width)


def shards():
    """How many of the deployment's shards are scraped now: soak_shard_info is there while a pod answers."""
    return stat("Shards up", "Pods answering scrapes now, of the number of shards the load is split over (soak_shard_info; "
                "1 of 1 unsharded). Fewer than the shards means part of the load is not being sent.", "short",
                [(f"count by (shards) (soak_shard_info{{{SELECTOR}}})", "pods up of {{shards}}")], width=4)


def overview():
    request = ', scenario=~"$scenario", request=~"$request"'
    scenario = ', scenario=~"$scenario"'
    extra = [
        variable("scenario", "Scenario", 'label_values(soak_http_requests_total{job=~"$job", instance=~"$instance"}, scenario)'),
        variable("request", "Request",
                 'label_values(soak_http_requests_total{job=~"$job", instance=~"$instance", scenario=~"$scenario"}, request)'),
    ]
    items = [
        row("At a glance"),
        stat("Objective met", "Whether each request's p95 latency and error ratio over the latest interval, across the selected pods, are within the objectives of soak's thresholds.",
             "none", [(objective_met(request), "{{scenario}}/{{request}}")], mappings=MET_MISSED, width=12),
        stat("Config reload", "Whether soak's last config load succeeded, per pod; after a failed reload the previous config still runs (SoakConfigReloadFailed).",
             "none", [(f"min by (instance) (soak_config_last_reload_successful{{{SELECTOR}}})", "{{instance}}")], mappings=OK_FAILED, width=4),
        workers_online("", width=4),
        shards(),
        state_timeline("Objective met over time", "When each request was within its latency and error-ratio objectives (green) and when not (red).",
                       [(objective_met(request), "{{scenario}}/{{request}}")], mappings=MET_MISSED),
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
        panel("Requests in flight", "Requests sent and not yet answered, by scenario, summed over the pods (each pod's peak in the interval).", "short",
              [(summed("max_over_time", "soak_http_requests_in_flight", scenario, "scenario"), "{{scenario}}")]),
        panel("Dropped sends", "Open-model sends skipped because max_in_flight requests were in flight; any is a sign the target or soak cannot keep up.",
              "reqps", [(rate("soak_http_requests_dropped_total", scenario, "scenario"), "{{scenario}}")]),
        panel("Schedule lag p99", "How late each pod sends compared with the intended time, per pod (instance); above a few milliseconds that pod is short of CPU.",
              "s", [(quantile(0.99, "soak_schedule_lag_seconds", scenario, "instance, scenario"), "{{instance}} {{scenario}}")]),
        panel("Virtual users", "Closed-model users running, by scenario and class, summed over the pods (they rise through the ramp-up).", "short",
              [(summed("max_over_time", "soak_virtual_users", scenario, "scenario, user_class"), "{{scenario}} {{user_class}}")]),
        panel("Connections opened", "New sockets per second to each target; it barely moves while keep-alive works.", "cps",
              [(rate("soak_http_connections_opened_total", "", "target"), "{{target}}")]),
        panel("soak CPU", "CPU time each soak process uses, in cores, per pod (instance).", "percentunit",
              [(rate("process_cpu_seconds_total", "", "instance"), "{{instance}}")]),
        panel("soak memory", "Resident memory of each soak process, per pod (instance); it should stay flat over days.", "bytes",
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
        state_timeline("Probe success", "Each probe's latest run: succeeded (green) or failed (red), the worst in each interval.",
                       [(gauge("min_over_time", "soak_db_probe_success", db, "database, probe"), "{{database}} {{probe}}")], mappings=OK_FAILED),
        panel("Probe errors by reason", "Failed probe runs per second by reason.", "ops",
              [(rate("soak_db_probe_errors_total", db, "database, probe, reason"), "{{database}} {{probe}} {{reason}}")],
              stacked=True),
        panel("Server connections by state", "Sessions of the database in pg_stat_activity by state, soak's own and the rest together.",
              "short", [(gauge("max_over_time", "soak_db_server_connections", db, "database, state"), "{{database}} {{state}}")],
              stacked=True),
        panel("Connections: soak's and the limit", "Connections soak holds open, summed over the pods, and the server's max_connections.", "short", [
            (summed("max_over_time", "soak_db_connections_open", db, "database"), "soak {{database}}"),
            (gauge("max_over_time", "soak_db_server_connections_max", db, "database"), "max_connections {{database}}"),
        ]),
        row("Connection-lifetime tests"),
        state_timeline("Holds alive", "Each connection-lifetime test's connection: alive (green) or not (red: it died, or a new one is not up yet).",
                       [(gauge("min_over_time", "soak_db_hold_alive", db, "database, test"), "{{database}} {{test}}")],
                       mappings=mapping((1, "alive", "green"), (0, "down", "red"))),
        panel("Hold runs per hour by result", "Holds that finished in the hour before each point: survived to their planned end, died before it, or failed to start.",
              "short", [(per_hour("soak_db_hold_runs_total", db, "database, test, result"), "{{database}} {{test}} {{result}}")], stacked=True),
        panel("Lifetime at death", "How long held connections lived before they died (median and longest of each interval).", "s", [
            (quantile(0.5, "soak_db_hold_lifetime_seconds", db, "database, test"), "p50 {{database}} {{test}}"),
            (quantile(1, "soak_db_hold_lifetime_seconds", db, "database, test"), "max {{database}} {{test}}"),
        ]),
        panel("Disconnects per hour by reason", "Held connections that died in the hour before each point, by reason: idle_session_timeout, idle_in_transaction_timeout, admin_shutdown, server_closed, ssl_error, network, other.",
              "short", [(or_zero(per_hour("soak_db_hold_disconnects_total", db, "database, test, reason"),
                                 gauge("max_over_time", "soak_db_hold_alive", db, "database, test")),
                         "{{database}} {{test}} {{reason}}")], stacked=True),
        panel("NOTIFY latency", "Time from sending a NOTIFY to the listener reading it (listen_with_notify).", "s", [
            (quantile(0.5, "soak_db_notify_latency_seconds", db, "database, test"), "p50 {{database}}"),
            (quantile(0.95, "soak_db_notify_latency_seconds", db, "database, test"), "p95 {{database}}"),
        ]),
        panel("Notifications per hour by outcome", "Notifications in the hour before each point: sent, received, missing (sent and never received), duplicate and out of order.",
              "short", [(per_hour("soak_db_notifications_total", db, "database, outcome"), "{{database}} {{outcome}}")]),
        panel("Server settings", "Settings that end or keep connections, in seconds; 0 means disabled.", "s",
              [(gauge("max_over_time", "soak_db_setting_seconds", db, "database, name"), "{{database}} {{name}}")]),
    ]
    return dashboard("database", "Database", "PostgreSQL as soak sees it: connect and query latency, sessions, and connection lifetimes through proxies.",
                     extra, items)


def pulp_row(probe):
    """Pulp's own view of its task queue (pulpcore's OpenTelemetry metrics) beside soak's client-side view."""
    missing = "No Pulp series: this Prometheus scrapes no pulpcore OpenTelemetry metrics (pulp_*)."

    def pulp_gauge(metric):
        return f"max by (job) (max_over_time({metric}{{{PULP_SELECTOR}}}[$__rate_interval]))"

    return [
        row("Pulp's own task metrics, beside soak's"),
        panel("Queue wait: soak's tasks and Pulp's longest",
              "p95 of the queue phase of the tasks soak followed (unblocked to started), and the age of the task that has waited longest "
              "since it was unblocked, as Pulp reports it (pulp_tasks_longest_unblocked_time_seconds).", "s", [
                  (quantile(0.95, "soak_task_phase_duration_seconds", probe + ', phase="queue"', "probe"), "soak p95 queue {{probe}}"),
                  (pulp_gauge("pulp_tasks_longest_unblocked_time_seconds"), "Pulp longest unblocked wait {{job}}"),
              ], no_value=missing),
        panel("Unblocked tasks waiting (Pulp)", "Tasks Pulp has unblocked that have waited 5 s or more for a worker (pulp_tasks_unblocked_queue): "
              "above 0 for long, the workers cannot keep up.", "short", [(pulp_gauge("pulp_tasks_unblocked_queue"), "{{job}}")], no_value=missing),
        panel("Tasks beyond the workers (Pulp)", "Waiting and running tasks older than 5 s minus the online workers (pulp_waiting_tasks): "
              "the backlog that more workers would absorb.", "short", [(pulp_gauge("pulp_waiting_tasks"), "{{job}}")], no_value=missing),
        panel("Task phases p95 (soak)", "p95 of each phase of the tasks soak followed: blocked, queue, run, total; compare with Pulp's numbers beside it.",
              "s", [(quantile(0.95, "soak_task_phase_duration_seconds", probe, "probe, phase"), "{{probe}} {{phase}}")]),
        panel("Pulp API request duration p95", "p95 of Pulp's own API request durations by route (pulp_api_request_duration_milliseconds), "
              "to compare with what soak measures from outside.", "ms",
              [(f'histogram_quantile(0.95, sum by (http_target, le) (rate(pulp_api_request_duration_milliseconds_bucket{{{PULP_SELECTOR}}}[$__rate_interval])))',
                "{{http_target}}")], no_value=missing),
        panel("Pulp API requests by status", "Requests per second Pulp's API processes answered, by status class.", "reqps",
              [(f'sum by (http_status_code) (rate(pulp_api_request_duration_milliseconds_count{{{PULP_SELECTOR}}}[$__rate_interval]))',
                "{{http_status_code}}")], stacked=True, no_value=missing),
    ]


def tasks():
    probe = ', probe=~"$probe"'
    extra = [
        variable(
            "probe", "Probe",
            'label_values({__name__=~"soak_ingest_tasks_per_second|soak_tasks_in_progress|soak_json_probe_success", '
            'job=~"$job", instance=~"$instance"}, probe)'),
        variable("pulp_job", "Pulp job", f'label_values({{__name__=~"{PULP_METRICS}"}}, job)'),
        variable("pulp_instance", "Pulp instance", f'label_values({{__name__=~"{PULP_METRICS}", job=~"$pulp_job"}}, instance)'),
    ]
    connection_alive = ', name="connection_alive"'
    items = [
        row("At a glance"),
        workers_online(probe),
        stat("Tasks failed in the last hour", "Followed tasks that ended failed in the last hour (SoakTasksFailed fires on any).", "short",
             [(per_hour("soak_tasks_finished_total", probe + ', state="failed"', "probe"), "{{probe}}")],
             steps=((None, "green"), (1, "red"))),
        state_timeline("Remote connection tests",
                       "The last remote connection test each probe saw finish: its connection survived the hold (green) or died (red); "
                       "and how many died in the hour before each point.",
                       [(f"max by (probe) (soak_task_result_value{{{SELECTOR}{probe}{connection_alive}}})", "{{probe}} last test"),
                        (per_hour("soak_task_results_total", probe + connection_alive + ', value="false"', "probe"), "{{probe}} died in the last hour")],
                       width=12, height=5,
                       overrides=[
                           {"matcher": {"id": "byFrameRefID", "options": "A"},
                            "properties": [{"id": "mappings", "value": mapping((1, "survived", "green"), (0, "died", "red"))}]},
                           {"matcher": {"id": "byFrameRefID", "options": "B"},
                            "properties": [{"id": "thresholds", "value": thresholds((None, "green"), (1, "red"))}]},
                       ]),
        row("Ingestion"),
        panel("Ingestion rate", "The last round's tasks over its wall time, as the hand-run ingestion test computed it; with shards: all, "
              "the average over the pods that run the probe (as SoakIngestionBelowObjective judges it).", "suffix:tasks/s",
              [(gauge("avg_over_time", "soak_ingest_tasks_per_second", probe, "probe"), "{{probe}}")]),
        panel("Tasks ingested per hour", "Tasks the ingestion calls reported in the hour before each point: the same number at every zoom.", "short",
              [(per_hour("soak_ingested_tasks_per_request_sum", probe, "probe"), "{{probe}}")]),
        panel("Tasks per call", "How many tasks single ingestion calls reported, over the histogram's buckets (failed calls count 0).",
              "short", [(f'sum by (le) (rate(soak_ingested_tasks_per_request_bucket{{{SELECTOR}{probe}}}[$__rate_interval]))', "{{le}}")],
              kind="heatmap"),
        panel("Ingestion call duration", "Time of one ingestion call; much longer than the server's window means the API process queues.",
              "s", [(quantile(0.95, "soak_ingest_request_duration_seconds", probe, "probe"), "p95 {{probe}}")]),
        panel("Ingestion errors", "Failed ingestion calls per second by reason.", "ops",
              [(rate("soak_ingest_errors_total", probe, "probe, reason"), "{{probe}} {{reason}}")], stacked=True),
        row("Task lifecycle"),
        panel("Tasks finished per hour by state", "Followed tasks that reached a final state in the hour before each point.", "short",
              [(per_hour("soak_tasks_finished_total", probe, "probe, state"), "{{probe}} {{state}}")], stacked=True),
        panel("Tasks in progress", "Dispatched tasks being followed, summed over the pods.", "short",
              [(summed("max_over_time", "soak_tasks_in_progress", probe, "probe"), "{{probe}}")]),
        panel("Follow timeouts and dispatch errors", "Tasks not final within the probe's timeout, and dispatches that yielded no task, per second.",
              "ops", [
                  (rate("soak_task_follow_timeouts_total", probe, "probe"), "timeout {{probe}}"),
                  (rate("soak_task_dispatch_errors_total", probe, "probe, reason"), "dispatch {{probe}} {{reason}}"),
                  (rate("soak_task_poll_errors_total", probe, "probe, reason"), "poll {{probe}} {{reason}}"),
              ]),
        *pulp_row(probe),
        row("Status values"),
        panel("Status values", "Numbers read from JSON answers, such as Pulp's online workers and database connection.", "short",
              [(gauge("min_over_time", "soak_json_value", probe, "probe, name"), "{{probe}} {{name}}")]),
        state_timeline("JSON probe success", "Each JSON value probe's latest request: answered with every value (green) or not (red).",
                       [(gauge("min_over_time", "soak_json_probe_success", probe, "probe"), "{{probe}}")], mappings=OK_FAILED,
                       width=12, height=8),
    ]
    return dashboard("tasks", "Tasks", "Task ingestion, the lifecycle of dispatched tasks, Pulp's own queue metrics, and status values read from the service.",
                     extra, items)


# Each dashboard's file name under dashboards/ and its definition.
DASHBOARDS = {"soak-overview.json": overview, "soak-database.json": database, "soak-tasks.json": tasks}
