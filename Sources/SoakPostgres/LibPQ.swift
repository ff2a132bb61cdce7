internal import CLibPQ

/// The libpq soak is linked with.
package enum LibPQ {
    /// Its version as `soak version` and `soak_build_info` show it (libpq numbers versions 10 and
    /// later as major * 10000 + minor).
    package static var version: String {
        let number = PQlibVersion()
        return number >= 100_000 ? "\(number / 10_000).\(number % 10_000)" : "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }
}
