internal import Foundation

/// The HTML page served at `/`: what is running, since when, and the loaded config with secrets redacted.
enum StatusPage {
    struct Content {
        let build: BuildInfo
        let startedAt: Date
        let uptime: Duration
        let listeningOn: String
        let configFile: String
        let configYAML: String
        let lastLoad: ConfigState.LoadStatus
        let lifecycleEnabled: Bool
    }

    static func render(_ content: Content) -> String {
        let formatter = ISO8601DateFormatter()
        let seconds = content.uptime.components.seconds
        let uptime = String(format: "%dd %02dh %02dm %02ds", seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60, seconds % 60)
        let reload =
            content.lastLoad.successful
            ? "succeeded at \(formatter.string(from: content.lastLoad.at))"
            : "FAILED at \(formatter.string(from: content.lastLoad.at)); the previous config is still running:\n"
                + content.lastLoad.problems.joined(separator: "\n")
        let libraries = content.build.libraries.map { "\($0.name) \($0.version)" }.joined(separator: ", ")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>soak</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:60em}pre{background:#f4f4f4;padding:1em;overflow:auto}
            th{text-align:left;padding-right:1em}</style></head>
            <body>
            <h1>soak</h1>
            <p>A long-running soak service: continuous HTTP traffic, PostgreSQL probes and task probes, exposed as Prometheus metrics.</p>
            <table>
            <tr><th>Version</th><td>\(HTML.escape(content.build.version)) (revision \(HTML.escape(content.build.revision)))</td></tr>
            <tr><th>Swift</th><td>\(HTML.escape(content.build.swiftVersion))</td></tr>
            <tr><th>Libraries</th><td>\(HTML.escape(libraries))</td></tr>
            <tr><th>Started</th><td>\(formatter.string(from: content.startedAt))</td></tr>
            <tr><th>Uptime</th><td>\(uptime)</td></tr>
            <tr><th>Listening on</th><td>\(HTML.escape(content.listeningOn))</td></tr>
            <tr><th>Config file</th><td>\(HTML.escape(content.configFile))</td></tr>
            <tr><th>Last config load</th><td><pre>\(HTML.escape(reload))</pre></td></tr>
            <tr><th>Lifecycle API</th><td>\(content.lifecycleEnabled ? "enabled (POST /-/reload)" : "disabled (--web.enable-lifecycle)")</td></tr>
            </table>
            <h2>Endpoints</h2>
            <ul>
            <li><a href="metrics">/metrics</a>: Prometheus metrics</li>
            <li><a href="healthz">/healthz</a>: 200 while the process runs</li>
            <li><a href="readyz">/readyz</a>: 200 once the config is loaded and everything configured has started</li>
            </ul>
            <h2>Loaded config</h2>
            <p>Defaults filled in; secrets shown as &lt;secret&gt;.</p>
            <pre>\(HTML.escape(content.configYAML))</pre>
            </body>
            </html>

            """
    }

}
