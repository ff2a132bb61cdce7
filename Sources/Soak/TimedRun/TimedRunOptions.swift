/// What a timed run does: how long it runs, what it compares with and how strictly.
public struct TimedRunOptions: Sendable {
    /// How long traffic and probes run before soak stops by itself.
    public var duration: Duration
    /// An earlier run's summary file to compare with; it is read and checked against the config before anything starts.
    public var baselineFile: String?
    /// How much worse than the baseline p95 and p99 may be, relatively (0.2 for 20%).
    public var latencyTolerance: Double
    /// How much the error ratio may rise over the baseline.
    public var errorRatioTolerance: ErrorRatioTolerance
    /// How far below the baseline's a scenario's achieved rate may fall, relatively (0.2 for 20%).
    public var rateTolerance: Double
    /// A latency rise smaller than this never fails a baseline comparison.
    public var latencyFloor: Duration
    /// Samples both runs need before a latency or a rate is compared with the baseline.
    public var minSamples: Int
    /// Whether a config without any check may run (otherwise it exits 2 before sending anything).
    public var allowNoChecks: Bool

    public init(
        duration: Duration, baselineFile: String?, latencyTolerance: Double = 0.2, errorRatioTolerance: ErrorRatioTolerance = .points(0.05),
        rateTolerance: Double = 0.2, latencyFloor: Duration = .milliseconds(1), minSamples: Int = 100, allowNoChecks: Bool = false
    ) {
        self.duration = duration
        self.baselineFile = baselineFile
        self.latencyTolerance = latencyTolerance
        self.errorRatioTolerance = errorRatioTolerance
        self.rateTolerance = rateTolerance
        self.latencyFloor = latencyFloor
        self.minSamples = minSamples
        self.allowNoChecks = allowNoChecks
    }

    var baselineTolerance: BaselineTolerance {
        BaselineTolerance(
            latency: latencyTolerance, latencyFloor: latencyFloor / .seconds(1), minSamples: minSamples, errorRatio: errorRatioTolerance,
            rate: rateTolerance)
    }
}
