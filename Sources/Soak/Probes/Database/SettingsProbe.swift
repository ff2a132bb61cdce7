internal import Prometheus
internal import SoakConfig
internal import SoakPostgres

/// `settings`: the server settings that end or keep idle connections, in seconds, and the server version.
struct SettingsProbe: DatabaseProbe {
    let timeout: Duration
    static let sql = """
        SELECT name, setting, coalesce(unit, '') FROM pg_settings WHERE name IN (\(DatabaseMetrics.settingNames.map { "'\($0)'" }.joined(separator: ", ")))
        UNION ALL SELECT 'server_version', current_setting('server_version'), ''
        """

    private let database: String
    private let kept: KeptConnection
    private let metrics: DatabaseMetrics
    private let gauges: [String: Gauge]

    init(context: DatabaseProbeContext) {
        timeout = context.config.timeout
        database = context.endpoint.database
        kept = KeptConnection(endpoint: context.endpoint, probe: "settings")
        metrics = context.metrics
        gauges = Dictionary(uniqueKeysWithValues: DatabaseMetrics.settingNames.map { ($0, context.metrics.setting(database: context.endpoint.database, name: $0)) })
    }

    /// A pg_settings value in seconds, from its unit; nil for a unit that is not a time.
    static func seconds(setting: String, unit: String) -> Double? {
        guard let value = Double(setting) else { return nil }
        switch unit {
        case "us": return value / 1_000_000
        case "ms": return value / 1000
        case "s": return value
        case "min": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }

    func run(timeout: Duration) async -> Result<Duration?, PostgresFailure> {
        switch await kept.query(Self.sql, timeout: timeout) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let result):
            for row in result.rows where row.count == 3 {
                guard let name = row[0], let setting = row[1] else { continue }
                if name == "server_version" {
                    metrics.serverVersion(database: database, version: setting)
                } else if let gauge = gauges[name], let seconds = Self.seconds(setting: setting, unit: row[2] ?? "") {
                    gauge.set(to: seconds)
                }
            }
            return .success(nil)
        }
    }

    func close() { kept.close() }
}
