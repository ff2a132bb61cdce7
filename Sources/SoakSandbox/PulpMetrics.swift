internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import Logging
internal import Prometheus
internal import SoakConfig

/// The task-queue and API metrics pulpcore exports through OpenTelemetry, with the names and labels
/// they have once an OpenTelemetry collector hands them to Prometheus under the namespace `pulp`,
/// computed from the sandbox's own tables and requests and served at `/metrics`. They let the
/// dashboards' Pulp row be proven against live data; a real Pulp's numbers come from pulpcore.
final class PulpMetrics: Sendable {
    /// Bucket bounds of `pulp_api_request_duration_milliseconds`: OpenTelemetry's default histogram boundaries.
    static let durationBuckets: [Double] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]
    /// How long an unblocked task waits before pulpcore counts it in `tasks_unblocked_queue`, and how old a
    /// waiting or running task is before it counts in `waiting_tasks`.
    static let countedAfterSeconds = 5

    let registry = PrometheusCollectorRegistry()
    private let unblockedQueue: Gauge
    private let longestUnblocked: Gauge
    private let waitingTasks: Gauge
    private let store: SandboxStore
    private let workerTTL: Duration
    private let logger: Logger
    /// The `worker.name` pulpcore puts on API requests: this process, as the status lists its API app.
    let apiWorkerName = "\(ProcessInfo.processInfo.processIdentifier)@soak-sandbox"

    init(store: SandboxStore, workerTTL: Duration, logger: Logger) {
        self.store = store
        self.workerTTL = workerTTL
        self.logger = logger
        unblockedQueue = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "pulp", subsystem: "tasks", metricName: "unblocked_queue", unitName: "",
                helpText: "Number of unblocked tasks waiting in the queue (for \(Self.countedAfterSeconds) s or more)."))
        longestUnblocked = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "pulp", subsystem: "tasks", metricName: "longest_unblocked_time", unitName: "seconds",
                helpText: "The age of the longest waiting task."))
        waitingTasks = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "pulp", metricName: "waiting_tasks", unitName: "",
                helpText: "Number of waiting and running tasks minus the number of workers."))
    }

    /// Records one API request as pulpcore's API middleware does: method, status class, route and worker.
    func observe(method: HTTPRequest.Method, status: HTTPResponse.Status, route: String, milliseconds: Double) {
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "pulp", subsystem: "api", metricName: "request_duration", unitName: "milliseconds",
                helpText: "Tracks the duration of HTTP requests"),
            labels: [
                ("http_method", method.rawValue), ("http_status_code", "\(status.code / 100)xx"),
                // pulpcore leaves the route out of failed requests' labels, so unknown paths add no series.
                ("http_target", status.code > 400 ? "" : route), ("worker_name", apiWorkerName),
            ],
            buckets: Self.durationBuckets
        ).record(milliseconds)
    }

    /// The exposition, with the task-queue gauges read from the database first (when it answers; the
    /// previous values stay otherwise, as an OpenTelemetry gauge keeps its last value).
    func exposition() async -> [UInt8] {
        let after = Self.countedAfterSeconds
        do {
            let row = try await store.query(
                "metrics",
                """
                SELECT
                    count(*) FILTER (WHERE state = 'waiting' AND unblocked_at <= clock_timestamp() - interval '\(after) seconds'),
                    coalesce(floor(extract(epoch FROM max(clock_timestamp() - unblocked_at) FILTER (WHERE state = 'waiting'))), 0),
                    count(*) FILTER (WHERE pulp_created < clock_timestamp() - interval '\(after) seconds')
                        - (SELECT count(*) FROM sandbox_worker
                           WHERE last_heartbeat > clock_timestamp() - interval '\(DurationSyntax.milliseconds(workerTTL)) milliseconds')
                FROM sandbox_task WHERE state IN ('waiting', 'running')
                """
            ).first ?? []
            let numbers = row.map { $0.flatMap(Double.init) ?? 0 }
            if numbers.count == 3 {
                unblockedQueue.set(to: numbers[0])
                longestUnblocked.set(to: numbers[1])
                waitingTasks.set(to: numbers[2])
            }
        } catch {
            logger.debug("cannot read the task queue for /metrics", metadata: ["error": "\(error)"])
        }
        return registry.emitToBuffer()
    }
}

/// Times every request to Pulp's API routes (`/pulp/api/` and `/api/pulp/`) into ``PulpMetrics``.
struct PulpRequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let metrics: PulpMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/pulp/api/") || path.hasPrefix("/api/pulp/") else { return try await next(request, context) }
        let started = ContinuousClock.now
        func record(_ status: HTTPResponse.Status) {
            let elapsed = DurationSyntax.seconds(ContinuousClock.now - started) * 1000
            metrics.observe(method: request.method, status: status, route: context.endpointPath ?? path, milliseconds: elapsed)
        }
        do {
            let response = try await next(request, context)
            record(response.status)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status)
            throw error
        } catch {
            record(.internalServerError)
            throw error
        }
    }
}
