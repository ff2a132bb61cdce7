extension SoakConfiguration {
    /// What shard `shard` of a sharded soak runs: every scenario, each knowing its shard (its drivers
    /// send only the shard's arrivals and run only its users) with its `rate > N/s` thresholds divided
    /// among the shards (each shard's verdict is on its share; `soak merge` judges the whole); the
    /// databases, ingestion, task and JSON value probes only on shard 0, unless an entry says
    /// `shards: all`. The whole load (`Shard.whole`) is the config unchanged.
    public func forShard(_ shard: Shard) -> SoakConfiguration {
        guard !shard.isWhole else { return self }
        var config = self
        config.shard = shard
        config.scenarios = scenarios.map { scenario in
            var scenario = scenario
            scenario.shard = shard
            scenario.thresholds = Self.share(scenario.thresholds, of: shard)
            scenario.requests = scenario.requests.map { request in
                var request = request
                request.thresholds = request.thresholds.map { Self.share($0, of: shard) }
                return request
            }
            return scenario
        }
        config.databases = databases.filter { $0.shards.runs(on: shard) }
        config.ingestion = ingestion.filter { $0.shards.runs(on: shard) }
        config.tasks = tasks.filter { $0.shards.runs(on: shard) }
        config.jsonValues = jsonValues.filter { $0.shards.runs(on: shard) }
        return config
    }

    /// `thresholds` with each `rate > N/s` bound divided by the number of shards.
    private static func share(_ thresholds: [ScenarioConfig.Threshold], of shard: Shard) -> [ScenarioConfig.Threshold] {
        thresholds.map { threshold in
            guard case .rate(let above) = threshold else { return threshold }
            return .rate(above: above / Double(shard.count))
        }
    }
}
