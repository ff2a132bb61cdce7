internal import Foundation
internal import SoakConfig

/// A timer event of the event loop: a scenario's next arrival, or a virtual user's next send.
enum LoopEvent {
    case arrival(driver: Int)
    case user(driver: Int, index: Int)

    var driver: Int {
        switch self {
        case .arrival(let driver), .user(let driver, _): driver
        }
    }
}

/// A scenario's request in flight: which plan, the instant its latency counts from (the intended
/// send time in the open model, the send in the closed), which user sent it, and what was asked.
struct ScenarioTransfer {
    let driver: Int
    let plan: Int
    let since: ContinuousClock.Instant
    let user: Int?
    let url: String
}

/// What a scenario driver asks of the loop it runs on.
protocol TransferStarter: AnyObject {
    /// Starts `request` now; its outcome comes back to the driver's ``ScenarioDriver/completed(_:outcome:at:on:)``.
    func start(_ request: OutgoingRequest, for transfer: ScenarioTransfer)
    func schedule(_ event: LoopEvent, at deadline: ContinuousClock.Instant)
}

/// One running scenario on the event loop: its schedule or its virtual users, started, sent,
/// judged and recorded on the loop's thread, with no task or queue hop per request. Used on the
/// loop's thread only.
protocol ScenarioDriver: AnyObject {
    var id: Int { get }
    var run: ScenarioRun { get }
    /// Requests sent and not yet answered; a stopped driver leaves the loop when none is left.
    var inFlight: Int { get }
    /// Schedules the first sends.
    func begin(at now: ContinuousClock.Instant, on loop: any TransferStarter)
    func fire(_ event: LoopEvent, at now: ContinuousClock.Instant, on loop: any TransferStarter)
    func completed(_ transfer: ScenarioTransfer, outcome: HTTPOutcome, at now: ContinuousClock.Instant, on loop: any TransferStarter)
    /// Sends nothing more; requests in flight still complete and are recorded.
    func stop()
}

extension ScenarioDriver {
    /// Renders and starts a request of plan `index`, counting it in flight.
    fileprivate func send(plan index: Int, scope: inout RenderScope, credential: Credential?, since: ContinuousClock.Instant, user: Int?, on loop: any TransferStarter) -> Int {
        scope.now = Date()
        let request = run.plans[index].render(&scope, credential: credential)
        loop.start(request, for: ScenarioTransfer(driver: id, plan: index, since: since, user: user, url: request.url))
        return inFlight + 1
    }

    /// Records a finished request against its plan, on the loop unless judging its body could take
    /// long (a large body with checks), which goes to another thread so no other transfer waits.
    fileprivate func record(_ transfer: ScenarioTransfer, outcome: HTTPOutcome) {
        let plan = run.plans[transfer.plan]
        let latency = outcome.completedAt - transfer.since
        guard plan.judgesSlowly(outcome) else {
            plan.record(outcome, latency: latency, url: transfer.url)
            return
        }
        DispatchQueue.global().async { plan.record(outcome, latency: latency, url: transfer.url) }
    }
}

/// The open model: requests arrive at the schedule's instants, whatever the answers take; a send
/// that would exceed `max_in_flight` is dropped and counted. Latency counts from the intended instant.
final class OpenDriver: ScenarioDriver {
    let id: Int
    let run: ScenarioRun
    private let model: ScenarioConfig.OpenModel
    private let picker: WeightedPicker?
    private var schedule: ArrivalSchedule
    private let scheduleRandom: SeededRandom
    private var scope: RenderScope
    private var start = ContinuousClock.now
    private var intended = ContinuousClock.now
    private(set) var inFlight = 0
    private var stopped = false

    init(id: Int, run: ScenarioRun, model: ScenarioConfig.OpenModel) {
        self.id = id
        self.run = run
        self.model = model
        let shard = run.config.shard
        let random = run.config.seed.map(SeededRandom.init(seed:)) ?? SeededRandom()
        picker = WeightedPicker(weights: run.plans.map(\.config.weight))
        // Sharded, every shard draws the same schedule: from the seed, or without one from the scenario's name.
        let scheduleSeed = run.config.seed ?? (shard.isWhole ? nil : ArrivalSchedule.seed(naming: run.config.name))
        let scheduleRandom = (scheduleSeed.map(SeededRandom.init(seed:)) ?? random).derived(-1)
        self.scheduleRandom = scheduleRandom
        // Replaced in begin, once the wall clock it starts at is known.
        schedule = ArrivalSchedule(rate: model.rate, arrivals: model.arrivals, random: scheduleRandom)
        // Each shard picks requests and renders templates with randomness of its own.
        scope = RenderScope(random: shard.isWhole ? random : random.derived(-2 - shard.index), user: nil, pools: run.pools, now: Date())
    }

    func begin(at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        guard picker != nil else { return }
        start = now
        let wallClock = Duration.seconds(Date().timeIntervalSince1970)
        schedule = ArrivalSchedule(
            rate: model.rate, arrivals: model.arrivals, random: scheduleRandom, shard: run.config.shard, wallClock: wallClock)
        scheduleNext(on: loop)
    }

    /// Takes the schedule's next arrival and asks the loop to fire at its instant.
    private func scheduleNext(on loop: any TransferStarter) {
        let arrival = schedule.next()
        intended = start + arrival.offset
        scope.arrival = arrival.index
        loop.schedule(.arrival(driver: id), at: intended)
    }

    func fire(_ event: LoopEvent, at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        guard !stopped, let picker else { return }
        if inFlight >= model.maxInFlight {
            run.metrics.recordDropped()
        } else {
            run.metrics.recordLag(now - intended)
            inFlight = send(plan: picker.pick(using: &scope.random), scope: &scope, credential: nil, since: intended, user: nil, on: loop)
            run.metrics.setInFlight(inFlight)
        }
        scheduleNext(on: loop)
    }

    func completed(_ transfer: ScenarioTransfer, outcome: HTTPOutcome, at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        inFlight -= 1
        run.metrics.setInFlight(inFlight)
        record(transfer, outcome: outcome)
    }

    func stop() {
        stopped = true
    }
}

/// The closed model: virtual users, each looping send, answer, pause, with its identity, credential
/// and pool slice, started evenly over the ramp-up. Latency counts from the send.
final class ClosedDriver: ScenarioDriver {
    let id: Int
    let run: ScenarioRun
    private let model: ScenarioConfig.ClosedModel
    /// This shard's users; events and transfers name a user by its position here.
    private var users: [VirtualUser] = []
    private let pickers: [WeightedPicker?]
    private let counts: [VirtualUserCount]
    private(set) var inFlight = 0
    private var stopped = false

    init(id: Int, run: ScenarioRun, model: ScenarioConfig.ClosedModel) {
        self.id = id
        self.run = run
        self.model = model
        let config = run.config
        let random = config.seed.map(SeededRandom.init(seed:)) ?? SeededRandom()
        pickers = model.classes.map { userClass in
            WeightedPicker(weights: run.plans.map { plan in
                userClass.requests.map { $0.contains(plan.config.name) } ?? true ? plan.config.weight : 0
            })
        }
        counts = model.classes.map { run.metrics.virtualUsers(userClass: $0.name) }
        users = VirtualUser.users(of: config, model: model, pools: run.pools, random: random)
    }

    func begin(at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        for (position, user) in users.enumerated() where pickers[user.classIndex] != nil {
            let offset = UserPlan.startOffset(index: user.index, userCount: model.userCount, rampUp: model.rampUp)
            loop.schedule(.user(driver: id, index: position), at: now + offset)
        }
    }

    func fire(_ event: LoopEvent, at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        guard !stopped, case .user(_, let index) = event, let picker = pickers[users[index].classIndex] else { return }
        if users[index].phase == .starting { counts[users[index].classIndex].increment() }
        users[index].send(at: now)
        let plan = picker.pick(using: &users[index].scope.random)
        let credential = users[index].credential
        inFlight = send(plan: plan, scope: &users[index].scope, credential: credential, since: now, user: index, on: loop)
        run.metrics.setInFlight(inFlight)
    }

    func completed(_ transfer: ScenarioTransfer, outcome: HTTPOutcome, at now: ContinuousClock.Instant, on loop: any TransferStarter) {
        inFlight -= 1
        run.metrics.setInFlight(inFlight)
        record(transfer, outcome: outcome)
        guard !stopped, let index = transfer.user else { return }
        let wait = model.classes[users[index].classIndex].wait
        if let next = users[index].finished(at: now, wait: wait) {
            loop.schedule(.user(driver: id, index: index), at: next)
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        for index in users.indices {
            if users[index].isRunning { counts[users[index].classIndex].decrement() }
            users[index].stop()
        }
    }
}
