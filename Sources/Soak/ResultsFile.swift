internal import Foundation
internal import Logging
internal import Prometheus
internal import ServiceLifecycle
internal import SoakPostgres
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `results_file`: finished runs appended as JSON lines, each written and fsynced before the
/// metrics move, so a result survives a restart. The path may change on reload; nil writes nothing.
///
/// A line that cannot be written (the file cannot be opened, the disk is full, no descriptor is
/// left) is kept in memory and written, in order and before any later line, as soon as the file can
/// be written again: by the next append, or by a retry that backs off from 1 s to 30 s until nothing
/// waits. At most ``backlogLimit`` lines wait; past that the oldest is written to the log in full
/// and counted as dropped, so no result is ever silently lost.
///
/// A swift-service-lifecycle `Service` with one owner (the daemon's group, where it stops after
/// everything that writes to it): its ``run()`` retries, and at shutdown makes a last attempt. The
/// path is set by the reload path alone (``setPath(_:)``).
final class ResultsFile: Service, Sendable {
    static let backlogLimit = 10_000
    /// Lines kept for the status page's view of the file's end.
    static let tailLength = 20
    static let lastRetry = Duration.seconds(30)

    private struct State {
        var path: String?
        var backlog: [Data] = []
        var tail: [String] = []
        var retrying = false
        var failing = false
    }

    private let state: Mutex<State>
    /// Held while lines are written, so that concurrent writers keep the order of the backlog.
    private let writing = Mutex<Void>(())
    private let metrics: ResultsFileMetrics
    private let logger: Logger
    /// The first wait before a retry; it doubles up to ``lastRetry``.
    private let firstRetry: Duration
    /// Rung when lines start waiting; ``run()`` then retries until they are written.
    private let retries: AsyncStream<Void>
    private let retryNeeded: AsyncStream<Void>.Continuation

    init(path: String?, registry: PrometheusCollectorRegistry, logger: Logger, firstRetry: Duration = .seconds(1)) {
        state = Mutex(State(path: path))
        metrics = ResultsFileMetrics(registry: registry)
        self.logger = logger
        self.firstRetry = firstRetry
        (retries, retryNeeded) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Retries waiting lines until graceful shutdown, then closes the file (``close()``).
    func run() async {
        await cancelWhenGracefulShutdown {
            for await _ in self.retries { await self.retryUntilWritten() }
        }
        await close()
    }

    func setPath(_ newPath: String?) {
        let orphaned = state.withLock { state -> [Data] in
            state.path = newPath
            guard newPath == nil else { return [] }
            defer { state.backlog.removeAll() }
            return state.backlog
        }
        for line in orphaned { lost(line, why: "results_file was removed from the config before the line could be written") }
        metrics.backlog.set(to: Double(state.withLock { $0.backlog.count }))
    }

    /// Appends `record` as one line, after any line still waiting.
    func append<Record: Encodable & Sendable>(_ record: Record) async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        let dropped = state.withLock { state -> Data? in
            guard state.path != nil else { return nil }
            state.backlog.append(line)
            guard state.backlog.count > Self.backlogLimit else { return nil }
            return state.backlog.removeFirst()
        }
        if let dropped {
            metrics.dropped.increment()
            lost(dropped, why: "more than \(Self.backlogLimit) lines were waiting for results_file")
        }
        await flush()
    }

    /// Writes what waits; a failure is counted, logged when the file starts failing, and retried.
    @discardableResult
    private func flush() async -> Bool {
        let failure: (path: String, error: String)? = await BlockingThread.run(name: "soak-results") {
            self.writing.withLock { _ in self.writeBacklog() }
        }
        let (waiting, startRetry, startedFailing) = state.withLock { state -> (Int, Bool, Bool) in
            let startedFailing = failure != nil && !state.failing
            state.failing = failure != nil
            let startRetry = failure != nil && !state.retrying
            if startRetry { state.retrying = true }
            return (state.backlog.count, startRetry, startedFailing)
        }
        metrics.backlog.set(to: Double(waiting))
        guard let failure else {
            return true
        }
        metrics.writeErrors.increment()
        if startedFailing {
            logger.error(
                "could not write to results_file; the lines wait in memory and are retried",
                metadata: ["file": "\(failure.path)", "error": "\(failure.error)", "waiting": "\(waiting)"])
        }
        if startRetry { retryNeeded.yield() }
        return false
    }

    /// Writes the waiting lines after a wait that doubles from `firstRetry` up to ``lastRetry``, until
    /// they are written or the service stops.
    private func retryUntilWritten() async {
        var delay = firstRetry
        while !Task.isCancelled {
            do { try await Task.sleep(for: delay) } catch { break }
            if await flush() {
                logger.info("results_file can be written again; the waiting lines are written")
                break
            }
            delay = min(delay * 2, Self.lastRetry)
        }
        state.withLock { $0.retrying = false }
    }

    /// The last lines written, oldest first.
    var tail: [String] { state.withLock { $0.tail } }

    /// At shutdown: a last attempt, and every line that still cannot be written goes to the log in full.
    func close() async {
        guard state.withLock({ !$0.backlog.isEmpty }) else { return }
        if await flush() { return }
        let left = state.withLock { state -> [Data] in
            defer { state.backlog.removeAll() }
            return state.backlog
        }
        for line in left { lost(line, why: "soak is stopping and results_file still cannot be written") }
    }

    /// Writes the backlog in one write and one fsync; removes what was written. On the writing thread.
    private func writeBacklog() -> (path: String, error: String)? {
        let (path, lines) = state.withLock { ($0.path, $0.backlog) }
        guard let path, !lines.isEmpty else { return nil }
        var bytes = Data()
        for line in lines { bytes.append(line) }
        if let error = Self.appendAndSync(bytes, to: path) { return (path, error) }
        state.withLock { state in
            state.backlog.removeFirst(min(lines.count, state.backlog.count))
            state.tail = Array((state.tail + lines.suffix(Self.tailLength).map { String(decoding: $0.dropLast(), as: UTF8.self) }).suffix(Self.tailLength))
        }
        return nil
    }

    private func lost(_ line: Data, why: String) {
        logger.error("a result could not be written to results_file; here it is", metadata: ["why": "\(why)", "line": "\(String(decoding: line.dropLast(), as: UTF8.self))"])
    }

    private static func appendAndSync(_ bytes: Data, to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { Glibc.close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { return written < 0 ? String(cString: strerror(errno)) : "short write" }
        guard fsync(descriptor) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}

/// The `soak_results_file_*` families: whether results_file keeps up.
struct ResultsFileMetrics: Sendable {
    let writeErrors: Counter
    let backlog: Gauge
    let dropped: Counter

    init(registry: PrometheusCollectorRegistry) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "soak", subsystem: "results_file", metricName: name, unitName: unit, helpText: help)
        }
        writeErrors = registry.makeCounter(
            descriptor: descriptor("write_errors", "total", "Attempts to write results_file that failed (the lines wait in memory and are retried)."))
        backlog = registry.makeGauge(
            descriptor: descriptor("backlog", "lines", "Result lines waiting in memory because results_file could not be written."))
        dropped = registry.makeCounter(
            descriptor: descriptor(
                "dropped_lines", "total", "Result lines given up on (written to the log instead) because too many were waiting for results_file."))
    }
}
