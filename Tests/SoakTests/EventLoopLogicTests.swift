import Foundation
import Logging
import Prometheus
@testable import Soak
@testable import SoakConfig
import Testing

/// The event loop's scheduling, with the clock in the test's hands: the timer heap, the virtual
/// users' cycle, and the scenario drivers run against a recording stand-in for the loop.
@Suite("Event loop scheduling: timer heap, virtual users, drivers (no sleeping)")
struct EventLoopLogicTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func theTimerHeapGivesEventsEarliestFirstAndTiesInOrder() {
        var heap = TimerHeap<Int>()
        for (event, due) in [(1, 30), (2, 10), (3, 20), (4, 10), (5, 50), (6, 0)] { heap.schedule(event, at: at(due)) }
        #expect(heap.nextDeadline == at(0))
        #expect(heap.popDue(at: at(5))?.event == 6)
        #expect(heap.popDue(at: at(5)) == nil)
        var order: [Int] = []
        while let due = heap.popDue(at: at(40)) { order.append(due.event) }
        #expect(order == [2, 4, 3, 1])
        heap.schedule(7, at: at(45))
        heap.schedule(8, at: at(46))
        heap.removeAll { $0 == 7 }
        #expect(heap.count == 2)
        #expect(heap.popDue(at: at(100))?.event == 8)
        #expect(heap.popDue(at: at(100))?.event == 5)
        #expect(heap.isEmpty)
    }

    @Test func aLargeHeapStaysOrdered() {
        var heap = TimerHeap<Int>()
        var random = SeededRandom(seed: 3)
        for event in 0..<10_000 { heap.schedule(event, at: at(Int.random(in: 0..<1_000, using: &random))) }
        var last = at(0)
        var count = 0
        while let due = heap.popDue(at: at(1_000)) {
            #expect(due.deadline >= last)
            last = due.deadline
            count += 1
        }
        #expect(count == 10_000)
    }

    @Test func aVirtualUserSendsPausesAndStops() {
        var user = VirtualUser(index: 0, classIndex: 0, scope: RenderScope(random: SeededRandom(seed: 1), user: nil, pools: [:], now: Date()), credential: nil)
        #expect(user.phase == .starting && !user.isRunning)
        #expect(user.finished(at: at(0), wait: .constant(.seconds(1))) == nil)
        user.send(at: at(0))
        #expect(user.isRunning)
        // Pacing counts from the send: a 300 ms answer leaves 700 ms of a 1 s pace.
        #expect(user.finished(at: at(300), wait: .pacing(.seconds(1))) == at(1_000))
        user.send(at: at(1_000))
        #expect(user.finished(at: at(1_100), wait: .constant(.milliseconds(500))) == at(1_600))
        user.stop()
        user.send(at: at(2_000))
        #expect(user.phase == .stopped)
        #expect(user.finished(at: at(2_100), wait: .constant(.seconds(1))) == nil)
    }

    /// Records what a driver starts and schedules, and plays the schedule back as the loop would.
    final class RecordingLoop: TransferStarter {
        var started: [(request: OutgoingRequest, transfer: ScenarioTransfer)] = []
        var timers = TimerHeap<LoopEvent>()

        func start(_ request: OutgoingRequest, for transfer: ScenarioTransfer) { started.append((request, transfer)) }

        func schedule(_ event: LoopEvent, at deadline: ContinuousClock.Instant) { timers.schedule(event, at: deadline) }

        /// Fires every event due until `end`, each at its own deadline.
        func play(_ driver: any ScenarioDriver, until end: ContinuousClock.Instant) {
            while let (deadline, event) = timers.popDue(at: end) { driver.fire(event, at: deadline, on: self) }
        }
    }

    func prepared(_ yaml: String) async throws -> (ScenarioRun, PrometheusCollectorRegistry) {
        let config = try ConfigLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp", environment: [:])
        let registries = MetricRegistries()
        let metrics = HTTPMetrics(registries: registries, latencyBuckets: [1], board: StatusBoard(logger: Logger(label: "test")))
        // Neither scenario has a pool that needs the client: it is never started.
        let client = try HTTPClient(userAgent: "test")
        return (await ScenarioRun.prepare(config.scenarios[0], httpMetrics: metrics, client: client, logger: Logger(label: "test")), registries.main)
    }

    @Test func theOpenDriverSendsAtTheIntendedInstantsAndDropsPastMaxInFlight() async throws {
        let (run, registry) = try await prepared("""
            targets: { t: { url: "http://127.0.0.1:9" } }
            scenarios: [{ name: open, target: t, rate: 10/s, max_in_flight: 3, requests: [{ name: r, path: "/r" }] }]
            """)
        let driver = OpenDriver(id: 1, run: run, model: ScenarioConfig.OpenModel(rate: Rate("10/s")!, arrivals: .constant, maxInFlight: 3))
        let loop = RecordingLoop()
        driver.begin(at: at(0), on: loop)
        loop.play(driver, until: at(250))
        // Three arrivals (0, 100, 200 ms), nothing answered: all three in flight, the fourth (300 ms) not yet due.
        #expect(loop.started.map(\.transfer.since) == [at(0), at(100), at(200)])
        #expect(driver.inFlight == 3)
        loop.play(driver, until: at(450))
        #expect(loop.started.count == 3)
        #expect(MetricsText.value(registry.emitToString(), "soak_http_requests_dropped_total", [:]) == 2)
        // An answer frees a slot; latency counts from the intended instant, not the answer.
        let first = loop.started[0].transfer
        driver.completed(first, outcome: Self.answer(at: at(470)), at: at(470), on: loop)
        loop.play(driver, until: at(500))
        #expect(loop.started.count == 4 && loop.started[3].transfer.since == at(500))
        driver.stop()
        loop.play(driver, until: at(2_000))
        #expect(loop.started.count == 4)
    }

    @Test func theClosedDriverRampsUpWaitsAfterEachAnswerAndStops() async throws {
        let (run, registry) = try await prepared("""
            targets: { t: { url: "http://127.0.0.1:9" } }
            scenarios:
              - name: closed
                target: t
                user_count: 4
                ramp_up: 4s
                users: [{ name: u, weight: 1, wait: 1s }]
                requests: [{ name: r, path: "/r/{{ user.index }}" }]
            """)
        guard case .closed(let model) = run.config.workload else { throw HTTP.Failure(description: "not closed") }
        let driver = ClosedDriver(id: 2, run: run, model: model)
        let loop = RecordingLoop()
        driver.begin(at: at(0), on: loop)
        loop.play(driver, until: at(3_500))
        // One user a second over the 4 s ramp-up, each with its own identity.
        #expect(loop.started.map(\.transfer.since) == [at(0), at(1_000), at(2_000), at(3_000)])
        #expect(loop.started.map { $0.request.url } == ["http://127.0.0.1:9/r/0", "http://127.0.0.1:9/r/1", "http://127.0.0.1:9/r/2", "http://127.0.0.1:9/r/3"])
        #expect(MetricsText.value(registry.emitToString(), "soak_virtual_users", [:]) == 4)
        // User 0's answer at 3.6 s: its next send a second later, not before.
        driver.completed(loop.started[0].transfer, outcome: Self.answer(at: at(3_600)), at: at(3_600), on: loop)
        loop.play(driver, until: at(4_599))
        #expect(loop.started.count == 4)
        loop.play(driver, until: at(4_600))
        #expect(loop.started.count == 5 && loop.started[4].transfer.user == 0)
        driver.stop()
        #expect(MetricsText.value(registry.emitToString(), "soak_virtual_users", [:]) == 0)
        driver.completed(loop.started[1].transfer, outcome: Self.answer(at: at(4_700)), at: at(4_700), on: loop)
        loop.play(driver, until: at(60_000))
        #expect(loop.started.count == 5)
        #expect(driver.inFlight == 3)
    }

    static func answer(at instant: ContinuousClock.Instant) -> HTTPOutcome {
        HTTPOutcome(status: 200, failure: nil, body: [], bodyTruncated: false, timings: PhaseTimings(), requestBytes: 0, responseBytes: 0, completedAt: instant)
    }
}
