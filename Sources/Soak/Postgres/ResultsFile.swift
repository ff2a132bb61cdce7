internal import Foundation
internal import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `results_file`: finished runs appended as JSON lines, each written and fsynced before the
/// metrics move, so a result survives a restart. The path may change on reload; nil writes nothing.
final class ResultsFile: Sendable {
    private let path = Mutex<String?>(nil)
    private let writing = Mutex<Void>(())
    private let logger: Logger

    init(path: String?, logger: Logger) {
        self.path.withLock { $0 = path }
        self.logger = logger
    }

    func setPath(_ newPath: String?) {
        path.withLock { $0 = newPath }
    }

    /// Appends `record` as one line; a failure is logged (the record is logged either way by the caller).
    func append<Record: Encodable & Sendable>(_ record: Record) async {
        guard let path = path.withLock({ $0 }) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        let bytes = line
        let failure: String? = await BlockingThread.run(name: "soak-results") {
            self.writing.withLock { _ in Self.appendAndSync(bytes, to: path) }
        }
        if let failure {
            logger.error("could not write to results_file; the result is only in the log", metadata: ["file": "\(path)", "error": "\(failure)"])
        }
    }

    private static func appendAndSync(_ bytes: Data, to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { return written < 0 ? String(cString: strerror(errno)) : "short write" }
        guard fsync(descriptor) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
