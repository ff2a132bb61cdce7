internal import CCurl
internal import CZlib
internal import SoakPostgres

/// What this soak binary is: its version, the commit it was built from, and the libraries it runs with.
public struct BuildInfo: Sendable {
    /// soak's release version.
    public let version: String
    /// The git commit the binary was built from, `-dirty` if the tree had changes, or `unknown`.
    public let revision: String
    /// The Swift compiler that built it.
    public let swiftVersion: String
    /// The libcurl, libpq and zlib versions loaded at run time.
    public let libraries: [(name: String, version: String)]

    /// The running binary.
    public static let current = BuildInfo(
        version: "0.1.0",
        revision: buildRevision,
        swiftVersion: buildSwiftVersion,
        libraries: [
            ("libcurl", String(cString: soak_curl_version())),
            ("libpq", LibPQ.version),
            ("zlib", String(cString: zlibVersion())),
        ]
    )

    /// The text `soak version` prints.
    public var versionText: String {
        var lines = [
            "soak, version \(version) (revision: \(revision))",
            "  swift version: \(swiftVersion)",
        ]
        for library in libraries {
            lines.append("  \(library.name): \(library.version)")
        }
        return lines.joined(separator: "\n")
    }
}
