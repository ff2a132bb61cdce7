internal import Foundation
internal import Histogram

/// Everything a timed run's verdict is made from: each request's tally, the database probes' latency
/// and the task probes' phase histograms beside their figures, the ingestion rounds and the failures.
/// A run makes one from its recorders; `soak merge` adds up the shards' (``SummaryRecordings``), and
/// both are judged by the same ``TimedRunJudge``, so a merged verdict is made exactly as one run's.
struct RunRecordings: Sendable {
    /// One request's tally.
    struct Request: Sendable {
        let scenario: String
        let request: String
        let method: String
        var tally: RecordingTally

        var key: String { "\(scenario)/\(request)" }
    }

    /// A database probe's latency, in microseconds.
    struct ProbeLatency: Sendable {
        let database: String
        let probe: String
        var latency: Histogram<UInt64>
    }

    /// A task probe's phase, in milliseconds.
    struct TaskPhase: Sendable {
        let probe: String
        let phase: String
        var histogram: Histogram<UInt32>
    }

    var requests: [Request]
    /// The timeline's window.
    var window: Duration
    /// How long traffic was sent: rates are over this.
    var traffic: Duration
    var databases: [DatabaseFigures]
    var probeLatencies: [ProbeLatency]
    var tasks: [TaskFigures]
    var taskPhases: [TaskPhase]
    var ingestion: [IngestionFigures]
    var failures: [FailureFigures]

    /// Every request's figures, in the order the requests were first made.
    var requestFigures: [RequestFigures] {
        requests.map { $0.tally.figures(scenario: $0.scenario, request: $0.request, method: $0.method, duration: traffic, window: window) }
    }

    /// Each scenario's requests added together (request `*`), in the order the scenarios were first seen.
    var scenarioFigures: [RequestFigures] {
        var scenarios: [String] = []
        for recording in requests where !scenarios.contains(recording.scenario) { scenarios.append(recording.scenario) }
        return scenarios.map { scenario in
            var total = RecordingTally()
            let members = requests.filter { $0.scenario == scenario }
            for recording in members { total.add(recording.tally) }
            let methods = Set(members.map(\.method))
            return total.figures(
                scenario: scenario, request: "*", method: methods.count == 1 ? methods.first ?? "" : "*", duration: traffic, window: window)
        }
    }

    /// A request's latency at `quantile` (0.95 for p95), in seconds; nil when it has none.
    func latency(of key: String, at quantile: Double) -> Double? {
        requests.first { $0.key == key }?.tally.latency(at: quantile)
    }

    /// A database probe's latency at `quantile`, in seconds; nil when it recorded none.
    func probeLatency(database: String, probe: String, at quantile: Double) -> Double? {
        guard let latency = probeLatencies.first(where: { $0.database == database && $0.probe == probe })?.latency, latency.totalCount > 0 else {
            return nil
        }
        return Double(latency.valueAtPercentile(quantile * 100)) / 1_000_000
    }

    /// A task probe's phase at `quantile`, in seconds; nil when no finished task had it.
    func phase(probe: String, phase: String, at quantile: Double) -> Double? {
        guard let histogram = taskPhases.first(where: { $0.probe == probe && $0.phase == phase })?.histogram, histogram.totalCount > 0 else {
            return nil
        }
        return Double(histogram.valueAtPercentile(quantile * 100)) / 1000
    }
}
