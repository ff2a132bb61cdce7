internal import Foundation
internal import Histogram
internal import SoakConfig

/// What a summary file keeps beyond its figures so that `soak merge` can add shards up exactly: the
/// shard that ran, how long traffic was sent, and every histogram behind the figures (each request's
/// latency, phases and timeline windows, the database probes' latency, the task probes' phases) in
/// HdrHistogram's standard compressed encoding. The key `recordings` of the summary file.
struct SummaryRecordings: Codable, Sendable {
    /// One timeline window of a request.
    struct Window: Codable, Sendable {
        var count: Int
        var errors: Int
        var latencySumMicros: UInt64
        var responseBytes: Int
        var latency: String

        enum CodingKeys: String, CodingKey {
            case count, errors, latency
            case latencySumMicros = "latency_sum_microseconds"
            case responseBytes = "response_bytes"
        }
    }

    /// A request's counts and histograms (microseconds).
    struct Tally: Codable, Sendable {
        var count: Int
        var errors: Int
        var latencySumMicros: UInt64
        var responseBytes: Int
        var errorsByReason: [String: Int]
        var latency: String
        var phases: [String: String]
        var windows: [Window]

        enum CodingKeys: String, CodingKey {
            case count, errors, latency, phases, windows
            case latencySumMicros = "latency_sum_microseconds"
            case responseBytes = "response_bytes"
            case errorsByReason = "errors_by_reason"
        }
    }

    /// One request of a scenario.
    struct Request: Codable, Sendable {
        var scenario: String
        var request: String
        var method: String
        var tally: Tally
    }

    /// A database probe's latency histogram (microseconds).
    struct ProbeLatency: Codable, Sendable {
        var database: String
        var probe: String
        var latency: String
    }

    /// A task probe's phase histogram (milliseconds).
    struct TaskPhase: Codable, Sendable {
        var probe: String
        var phase: String
        var histogram: String
    }

    /// `I/N`, `0/1` for an unsharded run.
    var shard: String
    var trafficSeconds: Double
    var windowSeconds: Double
    var requests: [Request]
    var databaseProbes: [ProbeLatency]
    var taskPhases: [TaskPhase]

    enum CodingKeys: String, CodingKey {
        case shard, requests
        case trafficSeconds = "traffic_seconds"
        case windowSeconds = "window_seconds"
        case databaseProbes = "database_probes"
        case taskPhases = "task_phases"
    }

    init(_ recordings: RunRecordings, shard: Shard) throws(HistogramEncoding.Failure) {
        self.shard = shard.description
        trafficSeconds = recordings.traffic / .seconds(1)
        windowSeconds = recordings.window / .seconds(1)
        requests = []
        for request in recordings.requests {
            requests.append(Request(scenario: request.scenario, request: request.request, method: request.method, tally: try request.tally.record()))
        }
        databaseProbes = []
        for probe in recordings.probeLatencies {
            databaseProbes.append(ProbeLatency(database: probe.database, probe: probe.probe, latency: try HistogramEncoding.encode(probe.latency)))
        }
        taskPhases = []
        for phase in recordings.taskPhases {
            taskPhases.append(TaskPhase(probe: phase.probe, phase: phase.phase, histogram: try HistogramEncoding.encode(phase.histogram)))
        }
    }

    /// The recordings again, with the figures only the summary has (databases, tasks, ingestion, failures).
    func recordings(of summary: RunSummary) throws(HistogramEncoding.Failure) -> RunRecordings {
        var requests: [RunRecordings.Request] = []
        for request in self.requests {
            requests.append(
                RunRecordings.Request(scenario: request.scenario, request: request.request, method: request.method, tally: try RecordingTally(record: request.tally)))
        }
        var latencies: [RunRecordings.ProbeLatency] = []
        for probe in databaseProbes {
            latencies.append(RunRecordings.ProbeLatency(database: probe.database, probe: probe.probe, latency: try HistogramEncoding.decode(probe.latency)))
        }
        var phases: [RunRecordings.TaskPhase] = []
        for phase in taskPhases {
            phases.append(RunRecordings.TaskPhase(probe: phase.probe, phase: phase.phase, histogram: try HistogramEncoding.decode(phase.histogram)))
        }
        return RunRecordings(
            requests: requests, window: .seconds(windowSeconds), traffic: .seconds(trafficSeconds), databases: summary.databases,
            probeLatencies: latencies, tasks: summary.tasks, taskPhases: phases, ingestion: summary.ingestion, failures: summary.failures)
    }
}
