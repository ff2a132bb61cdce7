import Logging
@testable import Soak
import Synchronization
import Testing

/// The generic supervisor with children that only say when they start and stop: what a new config
/// starts, stops, restarts and leaves alone, in which order, and that shutdown leaves nothing behind.
@Suite("Supervisor: one child per entry, only what changed restarts (no sleeping)", .timeLimit(.minutes(1)))
struct SupervisorTests {
    /// A config entry: a name and a version; a new version is a changed entry.
    struct Entry: Equatable, Sendable {
        let name: String
        let version: Int
    }

    /// What children did, in order: `start a1`, `stop a1`.
    final class Journal: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct Child: Supervised {
        let entry: Entry
        let journal: Journal

        func start() {
            journal.add("start \(entry.name)\(entry.version)")
        }

        func run() async {
            await waitUntilCancelled()
            journal.add("stop \(entry.name)\(entry.version)")
        }
    }

    static func supervisor(_ handover: Supervisor<Entry>.Handover, journal: Journal) -> Supervisor<Entry> {
        Supervisor(key: \.name, handover: handover, naming: .init(noun: "entry") { ["entry": "\($0.name)"] }, logger: Logger(label: "test")) {
            Child(entry: $0, journal: journal)
        }
    }

    @Test func onlyNewChangedAndRemovedEntriesAreTouched() async throws {
        let journal = Journal()
        let supervisor = Self.supervisor(.stopFirst, journal: journal)
        // Applied before the service runs: it waits for the run loop.
        let running = Task { await supervisor.run() }
        await supervisor.apply([.init(name: "a", version: 1), .init(name: "b", version: 1)])
        #expect(journal.all == ["start a1", "start b1"])

        // b changes, c is new, a is the same: b1 stops before b2 starts (never two copies), a is left alone.
        await supervisor.apply([.init(name: "a", version: 1), .init(name: "b", version: 2), .init(name: "c", version: 1)])
        #expect(journal.all.dropFirst(2) == ["stop b1", "start b2", "start c1"])

        // The same config again changes nothing.
        await supervisor.apply([.init(name: "a", version: 1), .init(name: "b", version: 2), .init(name: "c", version: 1)])
        // a and b removed: both stopped by the time apply returns.
        await supervisor.apply([.init(name: "c", version: 1)])
        #expect(Set(journal.all.dropFirst(5)) == ["stop a1", "stop b2"])

        // Shutdown (the run task cancelled) stops what is left and ends the run; a later apply returns at once.
        running.cancel()
        await running.value
        #expect(journal.all.last == "stop c1")
        #expect(journal.all.count == 8)
        await supervisor.apply([.init(name: "d", version: 1)])
        #expect(journal.all.count == 8)
    }

    @Test func aReplacementStartsBeforeTheOldChildStops() async throws {
        let journal = Journal()
        let supervisor = Self.supervisor(.replaceInPlace, journal: journal)
        let running = Task { await supervisor.run() }
        await supervisor.apply([.init(name: "s", version: 1)])
        await supervisor.apply([.init(name: "s", version: 2)])
        // The new child started before the old one was told to stop; the old one has stopped by the time apply returns.
        #expect(journal.all == ["start s1", "start s2", "stop s1"])
        running.cancel()
        await running.value
        #expect(journal.all == ["start s1", "start s2", "stop s1", "stop s2"])
    }
}
