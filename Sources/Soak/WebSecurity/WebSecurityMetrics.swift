internal import Foundation
internal import Prometheus

/// The families of `--web.config.file`: whether its last reload worked, when the served certificate
/// expires, and the requests it refused. Registered only when soak runs with a web config file.
final class WebSecurityMetrics: Sendable {
    /// Why a request was refused, the `reason` label; each is exported at 0 from the start.
    enum Rejection: String, CaseIterable {
        /// No credentials, or wrong ones, where basic auth is required.
        case unauthorized
        /// `rate_limit` had no token left.
        case rateLimited = "rate_limited"
    }

    private let reloadSuccessful: Gauge
    private let reloadSuccessTimestamp: Gauge
    private let certificateExpiry: Gauge?
    private let rejections: [Rejection: Counter]

    init(registry: PrometheusCollectorRegistry, servesTLS: Bool) {
        func descriptor(_ subsystem: String, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "soak", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
        }
        reloadSuccessful = registry.makeGauge(
            descriptor: descriptor(
                "web_config", "last_reload", "successful",
                "Whether the last load of --web.config.file and the files it names succeeded (1) or failed and the previous one still serves (0)."))
        reloadSuccessTimestamp = registry.makeGauge(
            descriptor: descriptor("web_config", "last_reload_success_timestamp", "seconds", "Unix time of the last successful load of --web.config.file."))
        certificateExpiry =
            servesTLS
            ? registry.makeGauge(
                descriptor: descriptor("web_tls", "certificate_expiry_timestamp", "seconds", "Unix time at which the certificate soak serves expires."))
            : nil
        var rejections: [Rejection: Counter] = [:]
        for reason in Rejection.allCases {
            rejections[reason] = registry.makeCounter(
                descriptor: descriptor(
                    "web", "requests_rejected", "total", "Requests the web config refused before they reached an endpoint, by reason (unauthorized, rate_limited)."),
                labels: [("reason", reason.rawValue)])
        }
        self.rejections = rejections
    }

    func recordLoad(success: Bool, certificateExpiry expiry: Date?) {
        reloadSuccessful.set(to: success ? 1 : 0)
        guard success else { return }
        reloadSuccessTimestamp.set(to: Date().timeIntervalSince1970)
        if let expiry { certificateExpiry?.set(to: expiry.timeIntervalSince1970) }
    }

    func rejected(_ reason: Rejection) {
        rejections[reason]?.increment()
    }
}
