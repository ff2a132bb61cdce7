internal import ServiceLifecycle
internal import SoakPostgres

/// Reloads the web config when it, or a certificate, key or CA it names, changes: the files are read
/// every second, and a change is loaded once a second reading finds it unchanged (a certificate and
/// its key written one after the other, or a Kubernetes Secret swapped, load together). Idle without
/// a web config file.
struct WebConfigWatcher: Service {
    static let interval = Duration.seconds(1)

    let security: WebSecurity

    func run() async throws {
        guard security.path != nil else {
            try? await gracefulShutdown()
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: Self.interval)
                guard security.changeIsDue() else { continue }
                // Loading certificates and building a TLS context block: on a thread of its own.
                let security = self.security
                _ = await BlockingThread.run(name: "web-config") { security.reload(trigger: "change") }
            }
        }
    }
}
