internal import Foundation

/// The HTML page served at `/`, rendered on the server from a ``StatusSnapshot`` so it reads without
/// JavaScript. A small inline script (no file or font from anywhere, so it works air-gapped) fetches
/// `api/v1/status` every few seconds and updates each number in place; when the page's shape changes
/// (a failure appeared, a reload added a request) it fetches the page again.
enum StatusPage {
    static func render(_ status: StatusSnapshot) -> String {
        var body = header(status)
        for (index, scenario) in status.scenarios.enumerated() { body += Self.scenario(scenario, at: "scenarios.\(index)") }
        for (index, database) in status.databases.enumerated() { body += Self.database(database, at: "databases.\(index)") }
        for (index, probe) in status.ingestion.enumerated() { body += ingestion(probe, at: "ingestion.\(index)") }
        for (index, probe) in status.tasks.enumerated() { body += tasks(probe, at: "tasks.\(index)") }
        for (index, probe) in status.jsonValues.enumerated() { body += jsonValues(probe, at: "json_values.\(index)") }
        if let path = status.resultsFile.path {
            body += "<h2>results_file <small>\(HTML.escape(path))</small></h2>\n"
            body += "<pre class=\"tail\">\(HTML.escape(status.resultsFile.lines.suffix(10).joined(separator: "\n")))</pre>\n"
        }
        body += "<details><summary>Loaded config (defaults filled in, secrets shown as &lt;secret&gt;)</summary><pre>\(HTML.escape(status.config))</pre></details>\n"
        let initial = String(decoding: status.json(), as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>soak</title>
            <style>
            body{font-family:sans-serif;margin:1.5em;color:#222}h1{margin:0 0 .2em}h2{margin:1.4em 0 .4em;font-size:1.15em}
            small{color:#666;font-weight:normal}table{border-collapse:collapse;margin:.3em 0}
            th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}th:first-child,td:first-child{text-align:left}
            td.text{text-align:left;white-space:normal;max-width:40em;overflow-wrap:anywhere}.bad{background:#fdd}.good{color:#070}
            .banner{background:#fdd;border:1px solid #c66;padding:.5em}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;overflow-wrap:anywhere}
            .meta{color:#555}
            </style></head>
            <body>
            \(body)<script type="application/json" id="status">\(initial)</script>
            <script>\(script)</script>
            </body>
            </html>

            """
    }

    // MARK: Sections

    private static func header(_ status: StatusSnapshot) -> String {
        let process = status.process
        var html = "<h1>soak</h1>\n<p class=\"meta\">\(HTML.escape(process.version)) (\(HTML.escape(process.revision))) · up <span data-v=\"process.uptime_seconds\" data-f=\"uptime\">\(uptime(process.uptimeSeconds))</span>"
        html += " · listening on \(HTML.escape(process.listeningOn)) · config \(HTML.escape(process.configFile)) · reload API \(process.lifecycleEnabled ? "enabled" : "disabled")</p>\n"
        html += "<p>" + status.links.sorted { $0.key < $1.key }.map { "<a href=\"\(HTML.escape($0.value))\">\(HTML.escape($0.key))</a>" }.joined(separator: " · ") + "</p>\n"
        switch status.reload.state {
        case "failed":
            html += "<div class=\"banner\"><b>Config reload FAILED</b> at \(Timestamp.rfc3339(status.reload.at)); the previous config keeps running:<pre>\(HTML.escape(status.reload.problems.joined(separator: "\n")))</pre></div>\n"
        case "applying":
            html += "<p class=\"meta\">A config is being applied.</p>\n"
        default:
            html += "<p class=\"meta\">Config loaded at \(Timestamp.rfc3339(status.reload.at)).</p>\n"
        }
        return html
    }

    private static func scenario(_ scenario: StatusSnapshot.Scenario, at path: String) -> String {
        var html = "<h2>scenario \(HTML.escape(scenario.name)) <small>\(scenario.model) model, \(HTML.escape(scenario.load)), target \(HTML.escape(scenario.target))</small></h2>\n"
        html += "<p class=\"meta\">in flight \(cell(scenario.inFlight, "\(path).in_flight", "n", tag: "span")) · virtual users \(cell(scenario.virtualUsers, "\(path).virtual_users", "n", tag: "span"))"
        html += " · dropped \(cell(scenario.droppedTotal, "\(path).dropped_total", "n", tag: "span")) · schedule lag p99 (1m) \(cell(scenario.scheduleLagP99Seconds, "\(path).schedule_lag_p99_seconds", "s", tag: "span"))</p>\n"
        html += "<table><tr><th>request</th><th>rate 1m</th><th>errors 1m</th><th>p50 1m</th><th>p95 1m</th><th>p99 1m</th><th>requests</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th></tr>\n"
        for (index, request) in scenario.requests.enumerated() {
            let at = "\(path).requests.\(index)"
            let (minute, total) = (request.lastMinute, request.sinceStart)
            html += "<tr\(request.failing ? " class=\"bad\"" : "")><td>\(HTML.escape(request.name)) <small>\(HTML.escape(request.method))</small></td>"
            html += cell(minute.ratePerSecond, "\(at).last_minute.rate_per_second", "rate") + cell(minute.errorRatio, "\(at).last_minute.error_ratio", "ratio")
            html += cell(minute.p50Seconds, "\(at).last_minute.p50_seconds", "s") + cell(minute.p95Seconds, "\(at).last_minute.p95_seconds", "s")
            html += cell(minute.p99Seconds, "\(at).last_minute.p99_seconds", "s") + cell(total.requests, "\(at).since_start.requests", "n")
            html += cell(total.errorRatio, "\(at).since_start.error_ratio", "ratio") + cell(total.p50Seconds, "\(at).since_start.p50_seconds", "s")
            html += cell(total.p95Seconds, "\(at).since_start.p95_seconds", "s") + cell(total.p99Seconds, "\(at).since_start.p99_seconds", "s") + "</tr>\n"
        }
        html += "</table>\n"
        for (index, request) in scenario.requests.enumerated() where !request.failures.isEmpty {
            html += failures(request.failures, of: request.name, at: "\(path).requests.\(index).failures")
        }
        return html
    }

    private static func failures(_ samples: [FailureSample], of subject: String, at path: String) -> String {
        var html = "<table><tr><th>failures of \(HTML.escape(subject))</th><th>code</th><th>message</th><th>body</th><th>count</th><th>last seen</th></tr>\n"
        for (index, sample) in samples.enumerated() {
            html += "<tr><td>\(HTML.escape(sample.reason))</td><td>\(sample.code)</td><td class=\"text\">\(HTML.escape(sample.message))</td>"
            html += "<td class=\"text\">\(HTML.escape(sample.bodyExcerpt))</td>\(cell(sample.count, "\(path).\(index).count", "n"))"
            html += "<td data-v=\"\(path).\(index).last_seen\" data-f=\"t\">\(Timestamp.rfc3339(sample.lastSeen))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func database(_ database: StatusSnapshot.Database, at path: String) -> String {
        var html = "<h2>database \(HTML.escape(database.name)) <small>\(HTML.escape(database.endpoint))</small></h2>\n"
        if !database.probes.isEmpty {
            html += "<table><tr><th>probe</th><th>success</th><th>last latency</th><th>last run</th><th>last error</th></tr>\n"
            for (index, probe) in database.probes.enumerated() {
                let at = "\(path).probes.\(index)"
                html += "<tr\(probe.success == false ? " class=\"bad\"" : "")><td>\(HTML.escape(probe.probe))</td>"
                html += "<td data-v=\"\(at).success\" data-f=\"ok\">\(probe.success.map { $0 ? "ok" : "FAIL" } ?? "–")</td>"
                html += cell(probe.lastLatencySeconds, "\(at).last_latency_seconds", "s")
                html += "<td data-v=\"\(at).last_run_at\" data-f=\"t\">\(probe.lastRunAt.map(Timestamp.rfc3339) ?? "–")</td>"
                html += "<td class=\"text\" data-v=\"\(at).last_error\">\(HTML.escape(probe.lastError ?? ""))</td></tr>\n"
            }
            html += "</table>\n"
        }
        guard !database.holds.isEmpty else { return html }
        html += "<table><tr><th>hold</th><th>state</th><th>since</th><th>last result</th><th>lifetime</th><th>survived</th><th>died</th><th>failed to start</th><th>notifications sent/received/missing</th></tr>\n"
        for (index, hold) in database.holds.enumerated() {
            let at = "\(path).holds.\(index)"
            let last = hold.lastResult
            let result = last.map { [$0.result.rawValue, $0.reason, $0.sqlstate.map { "SQLSTATE \($0)" }].compactMap { $0 }.joined(separator: " ") } ?? "–"
            let notifications = hold.notifications.map { "\($0.sent)/\($0.received)/\($0.missing)" } ?? "–"
            html += "<tr\(last?.result == .died ? " class=\"bad\"" : "")><td>\(HTML.escape(hold.test))</td><td data-v=\"\(at).state\">\(hold.state)</td>"
            html += "<td data-v=\"\(at).since\" data-f=\"t\">\(hold.since.map(Timestamp.rfc3339) ?? "–")</td><td class=\"text\" title=\"\(HTML.escape(last?.message ?? ""))\">\(HTML.escape(result))</td>"
            html += "<td>\(last?.lifetimeSeconds.map { Figure.seconds($0) } ?? "–")</td>"
            html += "<td>\(hold.runs["survived"] ?? 0)</td><td>\(hold.runs["died"] ?? 0)</td><td>\(hold.runs["failed_to_start"] ?? 0)</td><td>\(notifications)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func ingestion(_ probe: StatusSnapshot.Ingestion, at path: String) -> String {
        var html = "<h2>ingestion \(HTML.escape(probe.probe)) <small>\(probe.tasksPerSecond.map { String(format: "%.1f tasks/s", $0) } ?? "no round yet")</small></h2>\n"
        html += "<table><tr><th>round started</th><th>tasks</th><th>seconds</th><th>tasks/s</th><th>failed calls</th></tr>\n"
        for round in probe.rounds {
            html += "<tr><td>\(HTML.escape(round.startedAt))</td><td>\(round.tasks)</td><td>\(String(format: "%.1f", round.seconds))</td>"
            html += "<td>\(String(format: "%.1f", round.tasksPerSecond))</td><td>\(round.failedCalls)</td></tr>\n"
        }
        html += "</table>\n"
        return html + (probe.failures.isEmpty ? "" : failures(probe.failures, of: probe.probe, at: "\(path).failures"))
    }

    private static func tasks(_ probe: StatusSnapshot.Tasks, at path: String) -> String {
        var html = "<h2>tasks \(HTML.escape(probe.probe)) <small>in progress \(cell(probe.inProgress, "\(path).in_progress", "n", tag: "span"))</small></h2>\n"
        html += "<table><tr><th>task</th><th>outcome</th><th>state</th><th>phases</th><th>ended</th></tr>\n"
        for task in probe.recent {
            let phases = task.phases.sorted { $0.key < $1.key }.map { "\($0.key) \(Figure.seconds($0.value))" }.joined(separator: ", ")
            html += "<tr\(task.state == "completed" ? "" : " class=\"bad\"")><td class=\"text\">\(HTML.escape(task.href))</td><td>\(task.outcome)</td>"
            html += "<td>\(HTML.escape(task.state ?? "–"))</td><td class=\"text\">\(phases)</td><td>\(Timestamp.rfc3339(task.endedAt))</td></tr>\n"
        }
        html += "</table>\n"
        return html + (probe.failures.isEmpty ? "" : failures(probe.failures, of: probe.probe, at: "\(path).failures"))
    }

    private static func jsonValues(_ probe: StatusSnapshot.JSONValues, at path: String) -> String {
        var html = "<h2>json_values \(HTML.escape(probe.probe)) <small>\(probe.success.map { $0 ? "ok" : "FAIL" } ?? "not run yet")</small></h2>\n<table>"
        for (name, value) in probe.values.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td>\(HTML.escape(name))</td>\(cell(value ?? nil, "\(path).values.\(name)", "n"))</tr>"
        }
        html += "</table>\n"
        return html + (probe.lastError.map { "<p class=\"bad\">\(HTML.escape($0))</p>\n" } ?? "")
    }

    // MARK: Cells

    /// A number's cell (or `span`), marked for the script to update: `format` is `s` (seconds),
    /// `ratio`, `rate` or `n`.
    private static func cell<Number: BinaryInteger>(_ value: Number, _ path: String, _ format: String, tag: String = "td") -> String {
        cell(Double(value), path, format, tag: tag)
    }

    private static func cell(_ value: Double?, _ path: String, _ format: String, tag: String = "td") -> String {
        "<\(tag) data-v=\"\(path)\" data-f=\"\(format)\">\(text(value, format))</\(tag)>"
    }

    /// How a number reads, the same way the script writes it.
    static func text(_ value: Double?, _ format: String) -> String {
        guard let value else { return "–" }
        switch format {
        case "s": return Figure.seconds(value)
        case "ratio": return Figure.ratio(value)
        case "rate": return Figure.rate(value)
        default: return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.3g", value)
        }
    }

    static func uptime(_ seconds: Double) -> String {
        let whole = Int(seconds)
        return String(format: "%dd %02dh %02dm %02ds", whole / 86_400, whole / 3_600 % 24, whole / 60 % 60, whole % 60)
    }

    /// Updates every marked value from `api/v1/status` every 5 s; fetches the page again when the
    /// status's shape (the lengths of its lists) changed, since new rows are the server's to render.
    static let script = """
        (function(){
        const shape=v=>Array.isArray(v)?'['+v.map(shape).join(',')+']':(v&&typeof v==='object')?'{'+Object.keys(v).sort().map(k=>k+':'+shape(v[k])).join(',')+'}':'';
        const get=(o,p)=>p.split('.').reduce((a,k)=>a==null?undefined:a[k],o);
        const ms=x=>x>=1?x.toFixed(2)+'s':x>=0.01?(x*1000).toFixed(0)+'ms':(x*1000).toFixed(2)+'ms';
        const fmt={s:ms,ratio:x=>(x*100).toFixed(2)+'%',rate:x=>x.toFixed(2)+'/s',n:x=>Number.isInteger(x)?String(x):x.toPrecision(3),
          ok:x=>x?'ok':'FAIL',t:x=>x,uptime:x=>{x=Math.floor(x);const p=n=>String(n).padStart(2,'0');return Math.floor(x/86400)+'d '+p(Math.floor(x/3600)%24)+'h '+p(Math.floor(x/60)%60)+'m '+p(x%60)+'s';}};
        let known=shape(JSON.parse(document.getElementById('status').textContent));
        async function refresh(){
          try{
            const status=await (await fetch('api/v1/status',{cache:'no-store'})).json();
            if(shape(status)!==known){location.reload();return;}
            for(const e of document.querySelectorAll('[data-v]')){
              const v=get(status,e.dataset.v);const f=fmt[e.dataset.f||'t'];
              e.textContent=(v===null||v===undefined)?(e.dataset.f?'–':''):f(v);
            }
          }catch(e){}
        }
        setInterval(refresh,5000);
        })();
        """
}
