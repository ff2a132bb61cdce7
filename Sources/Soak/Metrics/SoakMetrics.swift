internal import Foundation
public import Prometheus
public import SoakConfig
import Synchronization

/// soak's own metric families: build info, config reload status and the standard `process_*` set.
/// Capabilities register their own families in ``registry``.
public final class SoakMetrics: Sendable {
    /// The registries `/metrics` serves: the main one, and one per scenario request.
    public let registries: MetricRegistries
    /// The main registry, where every family but the per-request ones lives.
    public var registry: PrometheusCollectorRegistry { registries.main }

    private let reloadSuccessful: Gauge
    private let reloadSuccessTimestamp: Gauge
    private let process: ProcessCollector

    public init(build: BuildInfo = .current, shard: Shard = .whole) {
        let registry = PrometheusCollectorRegistry()
        registries = MetricRegistries(main: registry)
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "soak", metricName: "build", unitName: "info",
                helpText: "A metric with a constant 1 labelled with the version, git revision and Swift version soak was built from."),
            labels: [("version", build.version), ("revision", build.revision), ("swift_version", build.swiftVersion)]
        ).set(to: 1)
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "soak", metricName: "shard", unitName: "info",
                helpText: "A metric with a constant 1 labelled with this process's shard and the number of shards (--shard I/N; 0 of 1 unsharded)."),
            labels: [("shard", String(shard.index)), ("shards", String(shard.count))]
        ).set(to: 1)
        reloadSuccessful = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "soak", subsystem: "config", metricName: "last_reload", unitName: "successful",
                helpText: "Whether the last attempt to load the config file succeeded (1) or failed and the previous config still runs (0)."))
        reloadSuccessTimestamp = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "soak", subsystem: "config", metricName: "last_reload_success_timestamp", unitName: "seconds",
                helpText: "Unix time of the last successful config load."))
        process = ProcessCollector(registry: registry)
    }

    /// Records the outcome of a config load.
    func recordConfigLoad(success: Bool, at date: Date = Date()) {
        reloadSuccessful.set(to: success ? 1 : 0)
        if success { reloadSuccessTimestamp.set(to: date.timeIntervalSince1970) }
    }

    /// The exposition in Prometheus text format 0.0.4, with the process metrics read afresh.
    public func exposition() -> [UInt8] {
        process.refresh()
        return registries.exposition()
    }
}

/// Keeps the `process_*` families in step with /proc, refreshed on each scrape.
final class ProcessCollector: Sendable {
    private let cpu: Counter
    private let resident: Gauge
    private let virtual: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge
    /// The CPU seconds already added to the counter, so each scrape adds only the difference.
    private let reportedCPU = Mutex(0.0)

    init(registry: PrometheusCollectorRegistry) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)
        }
        cpu = registry.makeCounter(descriptor: descriptor("cpu_seconds", "total", "Total user and system CPU time spent in seconds."))
        resident = registry.makeGauge(descriptor: descriptor("resident_memory", "bytes", "Resident memory size in bytes."))
        virtual = registry.makeGauge(descriptor: descriptor("virtual_memory", "bytes", "Virtual memory size in bytes."))
        openFDs = registry.makeGauge(descriptor: descriptor("open", "fds", "Number of open file descriptors."))
        maxFDs = registry.makeGauge(descriptor: descriptor("max", "fds", "Maximum number of open file descriptors."))
        startTime = registry.makeGauge(
            descriptor: descriptor("start_time", "seconds", "Start time of the process since unix epoch in seconds."))
        refresh()
    }

    func refresh() {
        guard let stats = ProcessStats.current() else { return }
        reportedCPU.withLock { reported in
            if stats.cpuSeconds > reported {
                cpu.increment(by: stats.cpuSeconds - reported)
                reported = stats.cpuSeconds
            }
        }
        resident.set(to: stats.residentMemoryBytes)
        virtual.set(to: stats.virtualMemoryBytes)
        openFDs.set(to: stats.openFileDescriptors)
        maxFDs.set(to: stats.maxFileDescriptors)
        startTime.set(to: stats.startTimeSeconds)
    }
}
