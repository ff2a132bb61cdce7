import Foundation
import Testing

/// Certificates for the web config tests, made with openssl in a temporary directory: a CA and a
/// second, unrelated one; a server certificate for 127.0.0.1; client certificates signed by the CA
/// (one with the SAN `prometheus`, one with `intruder`, one expired) and one signed by the other CA.
final class WebCertificates: @unchecked Sendable {
    let directory: String
    private let openssl: String

    var ca: String { path("ca.pem") }
    var otherCA: String { path("other-ca.pem") }

    init() throws {
        openssl = try Executables.required("openssl", package: "openssl")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-web-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["ca", "other-ca"] {
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                     "-subj", "/CN=soak web test \(name)", "-keyout", path("\(name).key"), "-out", path("\(name).pem")])
        }
        try issue("server", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try issue("client", subject: "/CN=prometheus", extensions: "subjectAltName=DNS:prometheus\nextendedKeyUsage=clientAuth\n")
        try issue("intruder", subject: "/CN=intruder", extensions: "subjectAltName=DNS:intruder\nextendedKeyUsage=clientAuth\n")
        try issue("expired-client", subject: "/CN=prometheus", extensions: "subjectAltName=DNS:prometheus\nextendedKeyUsage=clientAuth\n", days: -1)
        try issue("stranger", subject: "/CN=prometheus", extensions: "subjectAltName=DNS:prometheus\nextendedKeyUsage=clientAuth\n", ca: "other-ca")
    }

    func path(_ name: String) -> String { directory + "/" + name }
    func cert(_ name: String) -> String { path("\(name).pem") }
    func key(_ name: String) -> String { path("\(name).key") }

    /// A certificate and P-256 key `name` signed by `ca`; `days` -1 makes one that has already expired.
    func issue(_ name: String, subject: String, extensions: String, days: Int = 2, ca: String = "ca") throws {
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", key(name),
            "-out", path("\(name).csr"),
        ])
        try run([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"), "-CAcreateserial",
            "-days", String(days), "-extfile", path("\(name).ext"), "-out", cert(name),
        ])
    }

    /// The certificate's serial number as openssl prints it.
    func serial(_ name: String) throws -> String {
        try run(["x509", "-in", cert(name), "-noout", "-serial"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let output = try Command.run(openssl, arguments)
        guard output.status == 0 else { throw HTTP.Failure(description: "openssl \(arguments.joined(separator: " ")): \(output.stderr)") }
        return output.stdout
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// curl and openssl s_client as TLS clients of a soak serving HTTPS, reporting failures instead of throwing on them.
enum TLSClient {
    struct Answer {
        /// curl's exit code: 0, or why the connection or handshake failed (35 handshake, 56 receive, 60 verification).
        let exitCode: Int32
        /// The HTTP status, 0 when there was no answer.
        let status: Int
        let httpVersion: String
        let headers: [String: String]
        let body: String
        let error: String
    }

    /// `curl` with `options` (e.g. `--cert`, `-u`, `--http1.1`) trusting `ca`, never following redirects.
    static func get(_ url: String, ca: String?, options: [String] = []) throws -> Answer {
        let transfer = try HTTP.transfer(url, options: (ca.map { ["--cacert", $0] } ?? []) + options, writeOut: "%{http_code} %{http_version}")
        let written = transfer.written.split(separator: " ")
        return Answer(
            exitCode: transfer.exitCode, status: transfer.answer.status, httpVersion: written.count > 1 ? String(written[1]) : "",
            headers: transfer.answer.headers, body: transfer.answer.text, error: transfer.error)
    }

    /// An `openssl s_client` handshake with `options` (e.g. `-tls1_3`, `-groups P-384`); its report, and
    /// whether the handshake completed. Needs no client certificate unless `options` give one.
    static func handshake(port: Int, options: [String] = []) throws -> (completed: Bool, report: String) {
        let openssl = try Executables.required("openssl", package: "openssl")
        let output = try Command.run(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + options, stdin: Data())
        let report = output.stdout + output.stderr
        return (output.status == 0 && report.contains("Cipher is ") && !report.contains("Cipher is (NONE)"), report)
    }

    /// The serial number of the certificate the server at `port` presents now.
    static func servedSerial(port: Int) throws -> String? {
        let openssl = try Executables.required("openssl", package: "openssl")
        let handshake = try Command.run(openssl, ["s_client", "-connect", "127.0.0.1:\(port)"], stdin: Data())
        let serial = try Command.run(openssl, ["x509", "-noout", "-serial"], stdin: Data(handshake.stdout.utf8))
        return serial.status == 0 ? serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}

/// A soak started with `--web.config.file`, the file in a temporary directory of its own.
final class WebSoak: @unchecked Sendable {
    let soak: RunningSoak
    let webConfigPath: String
    private let directory: String

    var port: Int { soak.port }
    var httpsURL: String { "https://127.0.0.1:\(soak.port)" }
    var httpURL: String { soak.baseURL }
    var log: String { soak.log }

    /// Starts soak on `config` serving `webConfig` (the text of a web config file).
    init(webConfig: String, config: String = "", extraArguments: [String] = [], waitUntilListening: Bool = true) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        webConfigPath = directory + "/web.yml"
        try webConfig.write(toFile: webConfigPath, atomically: true, encoding: .utf8)
        soak = try await RunningSoak(
            config: config, extraArguments: ["--web.config.file", webConfigPath] + extraArguments, waitUntilListening: waitUntilListening)
    }

    /// Replaces the web config file in one step, as a Kubernetes Secret update does.
    func writeWebConfig(_ text: String) throws {
        try text.write(toFile: webConfigPath, atomically: true, encoding: .utf8)
    }

    /// How many log lines carry `message` (logfmt's msg).
    func logged(_ message: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("msg=\"\(message)\"") || $0.contains("msg=\(message) ") }.count
    }

    deinit {
        // Stopped before its web config goes, so that it never logs the file missing.
        if soak.process.isRunning {
            soak.process.terminate()
            stopProcess(soak.process, after: .seconds(10))
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
