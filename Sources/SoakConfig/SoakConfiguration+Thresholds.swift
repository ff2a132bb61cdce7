/// The objectives a config states, as a timed run judges them and `check-config` prints them.
extension SoakConfiguration {
    /// Each subject with thresholds and the thresholds it is judged on (defaults filled in), in the
    /// order of the file: `ingest/post` and its request thresholds, `ingest` and its rate, databases,
    /// holds, ingestion and task probes.
    public var effectiveThresholds: [(subject: String, thresholds: [String])] {
        var result: [(String, [String])] = []
        for scenario in scenarios {
            for request in scenario.requests {
                result.append(("\(scenario.name)/\(request.name)", scenario.thresholds(of: request).map(\.description)))
            }
            let rates = scenario.rateThresholds.map { ScenarioConfig.Threshold.rate(above: $0).description }
            if !rates.isEmpty { result.append((scenario.name, rates)) }
        }
        for database in databases {
            for probe in database.probes where !probe.thresholds.isEmpty {
                result.append(("\(database.name)/\(probe.kind.rawValue)", probe.thresholds.map(\.description)))
            }
            for hold in database.holds where !hold.mustNotHappen.isEmpty {
                result.append(("\(database.name)/\(hold.test.rawValue)", hold.mustNotHappen.map { "\($0) == 0" }))
            }
        }
        for probe in ingestion where !probe.thresholds.isEmpty {
            result.append(("ingestion/\(probe.name)", probe.thresholds.map(\.description)))
        }
        for probe in tasks where !probe.thresholds.isEmpty {
            result.append(("tasks/\(probe.name)", probe.thresholds.map(\.description)))
        }
        return result.filter { !$0.1.isEmpty }
    }

    /// How many checks a timed run of this config makes (one per threshold and subject).
    public var checkCount: Int {
        effectiveThresholds.reduce(0) { $0 + $1.thresholds.count }
    }

    /// The `check-config` lines of the thresholds.
    var thresholdSummary: [String] {
        let effective = effectiveThresholds
        guard !effective.isEmpty else { return ["thresholds: none (a timed run with --duration exits 2 unless --allow-no-checks)"] }
        return ["thresholds: \(checkCount)"] + effective.map { "  \($0.subject): \($0.thresholds.joined(separator: ", "))" }
    }
}
