/// The bounds every config value that reaches arithmetic is held to when the config is loaded, so
/// that nothing a config says can overflow, trap or exhaust memory while soak runs. A value outside
/// its bound is a load error that names the bound; docs/config.md#limits lists them all.
public enum Limits {
    /// Request, connect, probe and statement timeouts.
    public static let timeout = Duration.seconds(3_600)
    /// Waits, pacing and ramp-up of virtual users.
    public static let wait = Duration.seconds(86_400)
    /// How often something runs: `every`, `poll_interval`, `interval`, `notify_every`.
    public static let interval = Duration.seconds(86_400)
    /// How long one thing may last: a hold, a task's follow timeout, a task phase's threshold.
    public static let lifetime = Duration.seconds(7 * 86_400)
    /// How long a timed run (`--duration`) may last; the daemon itself runs without end.
    public static let timedRun = Duration.seconds(30 * 86_400)
    /// How far `{{ now "..." }}` may shift the time.
    public static let timeOffset = Duration.seconds(100 * 365 * 86_400)

    /// The slowest open-model rate: one request an hour.
    public static let minimumRatePerSecond = 1.0 / 3_600
    /// The fastest open-model rate of one soak process, all scenarios together.
    public static let maximumRatePerSecond = 10_000.0
    /// Requests of one open-model scenario in flight at once.
    public static let maxInFlight = 10_000
    /// Virtual users of one closed-model scenario.
    public static let userCount = 100_000
    /// A request's or a user class's weight.
    public static let weight = 1_000_000
    /// Values of one data pool (a range, a CSV column, an inline list) and a user's slice of it.
    public static let poolValues = 1_000_000
    /// Bytes of a response body kept for checks.
    public static let responseBytes = 64 << 20
    /// Calls of one ingestion round.
    public static let ingestionConcurrency = 100
    /// Tasks one task probe follows at once.
    public static let tasksInProgress = 10_000
    /// Bounds of `http.latency_buckets`.
    public static let latencyBuckets = 100

    /// Size of the config file and of every file it names (secrets, pools, credentials).
    public static let fileBytes = 16 << 20
    /// YAML nodes of the config after its aliases are expanded.
    public static let yamlNodes = 1_000_000
    /// Aliases (`*name`) in the config.
    public static let yamlAliases = 10_000
    /// Bytes of scalar text in the config after its aliases are expanded.
    public static let yamlScalarBytes = 64 << 20
}
