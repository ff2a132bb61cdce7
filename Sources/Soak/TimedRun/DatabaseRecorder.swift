internal import Histogram
import Synchronization

/// What a timed run records of the database probes and holds for its summary: runs and failures per
/// probe with exact connect and query latency percentiles, and each hold's results and notifications.
final class DatabaseRecorder: Sendable {
    private struct ProbeTally {
        var runs = 0
        var failures = 0
        var latency = Histogram<UInt64>(highestTrackableValue: RequestRecording.highest, numberOfSignificantValueDigits: .three)
    }

    private struct Key: Hashable {
        let database: String
        let name: String
    }

    private let probes = Mutex<[(Key, ProbeTally)]>([])
    private let holds = Mutex<[(Key, DatabaseFigures.Hold)]>([])

    func probe(database: String, probe: String, failed: Bool) {
        updateProbe(Key(database: database, name: probe)) { tally in
            tally.runs += 1
            if failed { tally.failures += 1 }
        }
    }

    func latency(database: String, probe: String, took: Duration) {
        updateProbe(Key(database: database, name: probe)) { _ = $0.latency.record(RequestRecording.microseconds(took)) }
    }

    func hold(_ record: HoldRecord) {
        let key = Key(database: record.database, name: record.test)
        holds.withLock { holds in
            holds.update(where: { $0.0 == key }, new: { (key, DatabaseFigures.Hold(test: record.test)) }) { $0.1.add(record) }
        }
    }

    private func updateProbe(_ key: Key, _ change: (inout ProbeTally) -> Void) {
        probes.withLock { probes in probes.update(where: { $0.0 == key }, new: { (key, ProbeTally()) }) { change(&$0.1) } }
    }

    /// Each probe's latency histogram, for the verdict and the summary's recordings.
    var latencies: [RunRecordings.ProbeLatency] {
        probes.withLock { $0 }.map { RunRecordings.ProbeLatency(database: $0.0.database, probe: $0.0.name, latency: $0.1.latency) }
    }

    func figures() -> [DatabaseFigures] {
        let probes = self.probes.withLock { $0 }
        let holds = self.holds.withLock { $0 }
        var databases: [String] = []
        for key in probes.map(\.0) + holds.map(\.0) where !databases.contains(key.database) { databases.append(key.database) }
        return databases.map { database in
            DatabaseFigures(
                database: database,
                probes: probes.filter { $0.0.database == database }.map { key, tally in
                    let latency = tally.latency.totalCount == 0 ? nil : tally.latency
                    return DatabaseFigures.Probe(
                        probe: key.name, runs: tally.runs, failures: tally.failures,
                        p50Seconds: latency.map { Double($0.valueAtPercentile(50)) / 1_000_000 },
                        p95Seconds: latency.map { Double($0.valueAtPercentile(95)) / 1_000_000 })
                },
                holds: holds.filter { $0.0.database == database }.map(\.1))
        }
    }
}

/// One database's numbers over a timed run.
public struct DatabaseFigures: Codable, Sendable, Equatable {
    /// A periodic probe: runs, failures, and for connect and query the latency.
    public struct Probe: Codable, Sendable, Equatable {
        public var probe: String
        public var runs: Int
        public var failures: Int
        public var p50Seconds: Double?
        public var p95Seconds: Double?

        enum CodingKeys: String, CodingKey {
            case probe, runs, failures
            case p50Seconds = "p50_seconds"
            case p95Seconds = "p95_seconds"
        }
    }

    /// A connection-lifetime test: its finished runs by result, and the listen tests' notifications.
    public struct Hold: Codable, Sendable, Equatable {
        public var test: String
        public var survived = 0
        public var died = 0
        public var failedToStart = 0
        public var notifications: NotificationCounts?

        enum CodingKeys: String, CodingKey {
            case test, survived, died, notifications
            case failedToStart = "failed_to_start"
        }

        init(test: String) {
            self.test = test
        }

        mutating func add(_ record: HoldRecord) {
            switch record.result {
            case .survived: survived += 1
            case .died: died += 1
            case .failedToStart: failedToStart += 1
            case .interrupted: return
            }
            if let counts = record.notifications {
                var total = notifications ?? NotificationCounts()
                total.add(counts)
                notifications = total
            }
        }
    }

    public var database: String
    public var probes: [Probe]
    public var holds: [Hold]
}
