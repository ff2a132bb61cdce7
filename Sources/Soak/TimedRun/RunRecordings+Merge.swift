internal import Histogram

extension RunRecordings {
    /// The recordings of several shards as one run's: counts summed, histograms added bucket by bucket
    /// (so every percentile is exactly the one a single histogram of all samples gives), percentiles of
    /// the figures recomputed from the added histograms, traffic time the longest shard's.
    static func merged(_ shards: [RunRecordings]) -> RunRecordings {
        var merged = RunRecordings(
            requests: [], window: shards.first?.window ?? .seconds(1), traffic: shards.map(\.traffic).max() ?? .zero, databases: [],
            probeLatencies: [], tasks: [], taskPhases: [], ingestion: [], failures: FailureFigures.merged(shards.flatMap(\.failures)))
        for shard in shards {
            for request in shard.requests {
                if let index = merged.requests.firstIndex(where: { $0.key == request.key }) {
                    merged.requests[index].tally.add(request.tally)
                } else {
                    merged.requests.append(request)
                }
            }
            for probe in shard.probeLatencies {
                if let index = merged.probeLatencies.firstIndex(where: { $0.database == probe.database && $0.probe == probe.probe }) {
                    merged.probeLatencies[index].latency.add(probe.latency)
                } else {
                    merged.probeLatencies.append(probe)
                }
            }
            for phase in shard.taskPhases {
                if let index = merged.taskPhases.firstIndex(where: { $0.probe == phase.probe && $0.phase == phase.phase }) {
                    merged.taskPhases[index].histogram.add(phase.histogram)
                } else {
                    merged.taskPhases.append(phase)
                }
            }
            for database in shard.databases { merged.add(database) }
            for task in shard.tasks { merged.add(task) }
            for probe in shard.ingestion {
                merged.ingestion.update(where: { $0.probe == probe.probe }, new: { IngestionFigures(probe: probe.probe) }) { total in
                    let rounds = total.rounds + probe.rounds
                    if rounds > 0 {
                        total.meanTasksPerSecond = ((total.meanTasksPerSecond ?? 0) * Double(total.rounds) + (probe.meanTasksPerSecond ?? 0) * Double(probe.rounds)) / Double(rounds)
                    }
                    total.minTasksPerSecond = [total.minTasksPerSecond, probe.minTasksPerSecond].compactMap { $0 }.min()
                    total.rounds = rounds
                    total.tasks += probe.tasks
                    total.failedCalls += probe.failedCalls
                }
            }
        }
        merged.refigure()
        return merged
    }

    private mutating func add(_ database: DatabaseFigures) {
        databases.update(where: { $0.database == database.database }, new: { DatabaseFigures(database: database.database, probes: [], holds: []) }) { total in
            for probe in database.probes {
                total.probes.update(where: { $0.probe == probe.probe }, new: { DatabaseFigures.Probe(probe: probe.probe, runs: 0, failures: 0) }) {
                    $0.runs += probe.runs
                    $0.failures += probe.failures
                }
            }
            for hold in database.holds {
                total.holds.update(where: { $0.test == hold.test }, new: { DatabaseFigures.Hold(test: hold.test) }) { sum in
                    sum.survived += hold.survived
                    sum.died += hold.died
                    sum.failedToStart += hold.failedToStart
                    if let counts = hold.notifications {
                        var notifications = sum.notifications ?? NotificationCounts()
                        notifications.add(counts)
                        sum.notifications = notifications
                    }
                }
            }
        }
    }

    private mutating func add(_ task: TaskFigures) {
        tasks.update(where: { $0.probe == task.probe }, new: { TaskFigures(probe: task.probe) }) { total in
            total.dispatched += task.dispatched
            total.followTimeouts += task.followTimeouts
            total.finished.merge(task.finished, uniquingKeysWith: +)
            for (name, counts) in task.values { total.values[name, default: [:]].merge(counts, uniquingKeysWith: +) }
        }
    }

    /// The percentiles of the database and task figures, from the added histograms.
    private mutating func refigure() {
        for database in databases.indices {
            for probe in databases[database].probes.indices {
                let name = databases[database].probes[probe].probe
                guard let latency = probeLatencies.first(where: { $0.database == databases[database].database && $0.probe == name })?.latency,
                    latency.totalCount > 0
                else { continue }
                databases[database].probes[probe].p50Seconds = Double(latency.valueAtPercentile(50)) / 1_000_000
                databases[database].probes[probe].p95Seconds = Double(latency.valueAtPercentile(95)) / 1_000_000
            }
        }
        for task in tasks.indices {
            for phase in taskPhases where phase.probe == tasks[task].probe && phase.histogram.totalCount > 0 {
                tasks[task].phaseP50Seconds[phase.phase] = Double(phase.histogram.valueAtPercentile(50)) / 1000
                tasks[task].phaseP95Seconds[phase.phase] = Double(phase.histogram.valueAtPercentile(95)) / 1000
            }
        }
    }
}
