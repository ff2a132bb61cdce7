internal import SoakConfig
internal import Prometheus

/// The families of the HTTP probes: `soak_ingest*`, `soak_task*` and `soak_json_*`. Every family is
/// described here once, so its help text and buckets are the same wherever a series of it is made.
final class HTTPProbeMetrics: Sendable {
    /// Tasks one ingestion call reports: spanning 0 (a failed call) to 10,000.
    static let ingestedBuckets: [Double] = [0, 1, 10, 50, 100, 250, 500, 1000, 2000, 3000, 4000, 5000, 7500, 10000]
    /// Ingestion calls run for tens of seconds on the server (Pulp's for 25 s).
    static let ingestDurationBuckets: [Double] = [0.1, 0.5, 1, 2.5, 5, 10, 15, 20, 25, 26, 27, 28, 30, 35, 45, 60, 90, 120]
    /// Task phases run from milliseconds (a no-op's queue wait) to the hour a connection test holds.
    static let phaseBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200]

    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    private static func descriptor(_ subsystem: String?, _ name: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "soak", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }

    // MARK: ingestion

    func ingestedTasks(probe: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor(
                nil, "ingested_tasks_per_request", "", "Tasks one ingestion call reported dispatching (0 for a failed call); the sum is the total ingested."),
            labels: [("probe", probe)], buckets: Self.ingestedBuckets)
    }

    func ingestRate(probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("ingest", "tasks_per_second", "", "Tasks the last round of ingestion calls reported, over the round's wall time."),
            labels: [("probe", probe)])
    }

    func ingestDuration(probe: String) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor("ingest", "request_duration", "seconds", "Time of one ingestion call, from send to the answer's last byte."),
            labels: [("probe", probe)], buckets: Self.ingestDurationBuckets)
    }

    func ingestErrors(probe: String, reason: HTTPProbeReason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "ingest", "errors", "total", "Ingestion calls that failed, by reason (timeout, connect, dns, tls, other, status, parse)."),
            labels: [("probe", probe), ("reason", reason.label)])
    }

    // MARK: tasks

    func taskPhase(probe: String, phase: TaskPhase) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: Self.descriptor(
                "task", "phase_duration", "seconds",
                "Phases of followed tasks from their timestamps: blocked, queue, run and total (pulp_created to finished_at)."),
            labels: [("probe", probe), ("phase", phase.rawValue)], buckets: Self.phaseBuckets)
    }

    func tasksFinished(probe: String, state: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("tasks", "finished", "total", "Followed tasks that reached a final state, by state."),
            labels: [("probe", probe), ("state", state)])
    }

    func tasksInProgress(probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("tasks", "in_progress", "", "Dispatched tasks being followed now."), labels: [("probe", probe)])
    }

    func followTimeouts(probe: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("task", "follow_timeouts", "total", "Followed tasks not final when the probe's timeout ran out."),
            labels: [("probe", probe)])
    }

    func tasksDispatched(probe: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("tasks", "dispatched", "total", "Tasks a dispatch answer named, each then followed."),
            labels: [("probe", probe)])
    }

    func dispatchErrors(probe: String, reason: HTTPProbeReason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "task", "dispatch_errors", "total",
                "Dispatches that yielded no task, by reason (timeout, connect, dns, tls, other, status, parse, busy when max_in_progress tasks are followed)."),
            labels: [("probe", probe), ("reason", reason.label)])
    }

    func pollErrors(probe: String, reason: HTTPProbeReason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "task", "poll_errors", "total", "Polls of a followed task that failed (the task is polled again), by reason."),
            labels: [("probe", probe), ("reason", reason.label)])
    }

    /// The value a finished task's `result_values` entry had (booleans 1 and 0), from the last finished task.
    func taskResultValue(probe: String, name: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "task", "result_value", "",
                "A value read from the last finished task of the probe (result_values; booleans as 1 and 0); NaN when that task did not have it."),
            labels: [("probe", probe), ("name", name)])
    }

    /// Finished tasks whose boolean result value was `value` (`true` or `false`).
    func taskResults(probe: String, name: String, value: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor("task", "results", "total", "Finished tasks by the value of a boolean result value (result_values): true or false."),
            labels: [("probe", probe), ("name", name), ("value", value)])
    }

    // MARK: objectives

    func objectiveTaskFailedRatio(probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "objective", "task_failed", "ratio", "The failed-ratio objective of a task probe from its thresholds (failed_ratio < N%)."),
            labels: [("probe", probe)])
    }

    func objectiveTaskPhase(probe: String, phase: TaskPhase, percentile: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "objective", "task_phase", "seconds", "A task phase's latency objective from the task probe's thresholds (pNN(phase) < DURATION)."),
            labels: [("probe", probe), ("phase", phase.rawValue), ("percentile", percentile)])
    }

    func objectiveTaskResultValue(probe: String, name: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "objective", "task_result_value", "",
                "The value every finished task's result value must have, from the task probe's thresholds (NAME == VALUE; true 1, false 0)."),
            labels: [("probe", probe), ("name", name)])
    }

    func objectiveIngestRate(probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "objective", "ingest_tasks_per_second", "", "The ingestion-rate floor from the ingestion probe's thresholds (tasks_per_second > N)."),
            labels: [("probe", probe)])
    }

    // MARK: json_values

    func jsonValue(probe: String, name: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor(
                "json", "value", "", "A number read from the probe's JSON answer (booleans as 1 and 0); NaN when the last answer did not have it."),
            labels: [("probe", probe), ("name", name)])
    }

    func jsonSuccess(probe: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.descriptor("json", "probe_success", "", "1 when the last request answered as expected with every value, else 0."),
            labels: [("probe", probe)])
    }

    func jsonErrors(probe: String, reason: HTTPProbeReason) -> Counter {
        registry.makeCounter(
            descriptor: Self.descriptor(
                "json", "probe_errors", "total", "JSON value probes that failed, by reason (transport reasons, status, parse, missing)."),
            labels: [("probe", probe), ("reason", reason.label)])
    }
}
