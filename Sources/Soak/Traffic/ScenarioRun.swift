internal import Foundation
internal import Logging
internal import Prometheus
internal import SoakConfig
import Synchronization

/// One running scenario: its request plans, its pools loaded, and the loop that sends its traffic
/// until cancelled.
final class ScenarioRun: Sendable {
    let config: ScenarioConfig
    let metrics: ScenarioMetrics
    let plans: [RequestPlan]
    /// Each pool's values, before slicing per user.
    let pools: [String: [TemplateValue]]
    private let inFlight = Atomic<Int>(0)
    private let logger: Logger

    private init(config: ScenarioConfig, metrics: ScenarioMetrics, plans: [RequestPlan], pools: [String: [TemplateValue]], logger: Logger) {
        self.config = config
        self.metrics = metrics
        self.plans = plans
        self.pools = pools
        self.logger = logger
    }

    /// Makes the plans and loads the pools, running SQL pools' queries and HTTP pools' requests (falling back when they fail).
    static func prepare(_ config: ScenarioConfig, httpMetrics: HTTPMetrics, client: CurlClient, logger: Logger) async -> ScenarioRun {
        let metrics = httpMetrics.scenario(config.name)
        let connections = httpMetrics.connections(target: config.target.name)
        let plans = config.requests.map { request in
            RequestPlan(
                config: request, target: config.target, metrics: metrics.request(request, objectives: config.thresholds(of: request)),
                connections: connections)
        }
        let pools = await PoolLoader(scenario: config.name, client: client, metrics: metrics, logger: logger).load(config.pools)
        return ScenarioRun(config: config, metrics: metrics, plans: plans, pools: pools, logger: logger)
    }

    /// Sends the scenario's traffic until the task is cancelled.
    func run(client: CurlClient) async {
        let random = config.seed.map(SeededRandom.init(seed:)) ?? SeededRandom()
        switch config.workload {
        case .open(let model):
            await runOpen(model, client: client, random: random)
        case .closed(let model):
            await runClosed(model, client: client, random: random)
        }
    }

    // MARK: Open model

    private func runOpen(_ model: ScenarioConfig.OpenModel, client: CurlClient, random: SeededRandom) async {
        guard let picker = WeightedPicker(weights: plans.map(\.config.weight)) else { return }
        var schedule = ArrivalSchedule(rate: model.rate, arrivals: model.arrivals, random: random.derived(-1))
        var scope = RenderScope(random: random, user: nil, pools: pools, now: Date())
        let start = ContinuousClock.now
        while !Task.isCancelled {
            let intended = start + schedule.next()
            if intended > .now {
                do {
                    try await Task.sleep(until: intended, tolerance: .microseconds(50), clock: .continuous)
                } catch {
                    return
                }
            }
            guard inFlight.load(ordering: .relaxed) < model.maxInFlight else {
                metrics.dropped.increment()
                continue
            }
            let plan = plans[picker.pick(using: &scope.random)]
            scope.now = Date()
            let request = plan.render(&scope, credential: nil)
            metrics.scheduleLag.record(DurationSyntax.seconds(.now - intended))
            let count = inFlight.add(1, ordering: .relaxed).newValue
            metrics.inFlight.set(to: Double(count))
            client.submit(request) { [self] outcome in
                let remaining = inFlight.subtract(1, ordering: .relaxed).newValue
                metrics.inFlight.set(to: Double(remaining))
                // Latency from the intended send time: a late send is the tool's delay, and counts.
                plan.record(outcome, latency: outcome.completedAt - intended)
            }
        }
    }

    // MARK: Closed model

    private func runClosed(_ model: ScenarioConfig.ClosedModel, client: CurlClient, random: SeededRandom) async {
        let assignment = UserPlan.classAssignment(userCount: model.userCount, classes: model.classes)
        let pickers = model.classes.map { userClass in
            WeightedPicker(weights: plans.map { plan in
                userClass.requests.map { $0.contains(plan.config.name) } ?? true ? plan.config.weight : 0
            })
        }
        let gauges = model.classes.map { metrics.virtualUsers(userClass: $0.name) }
        await withTaskGroup(of: Void.self) { group in
            for (index, classIndex) in assignment.enumerated() {
                guard let picker = pickers[classIndex] else { continue }
                let userClass = model.classes[classIndex]
                var userRandom = random.derived(index)
                let credential = config.credentials?.entries[index]
                let id = config.credentials?.userID(at: index) ?? "\(config.name)-\(index)"
                let identity = VirtualUserIdentity(
                    index: index, id: id, userClass: userClass.name, sessionID: VirtualUserIdentity.makeSessionID(using: &userRandom))
                var userPools: [String: [TemplateValue]] = [:]
                for pool in config.pools {
                    userPools[pool.name] = UserPlan.poolSlice(pools[pool.name] ?? [], perUser: pool.perUser, overlap: pool.overlap, index: index)
                }
                let startOffset = UserPlan.startOffset(index: index, userCount: model.userCount, rampUp: model.rampUp)
                let gauge = gauges[classIndex]
                group.addTask { [self] in
                    var scope = RenderScope(random: userRandom, user: identity, pools: userPools, now: Date())
                    do {
                        try await Task.sleep(for: startOffset)
                    } catch {
                        return
                    }
                    gauge.increment()
                    defer { gauge.decrement() }
                    await runUser(wait: userClass.wait, picker: picker, credential: credential, scope: &scope, client: client)
                }
            }
        }
    }

    private func runUser(
        wait: ScenarioConfig.Wait, picker: WeightedPicker, credential: Credential?, scope: inout RenderScope, client: CurlClient
    ) async {
        while !Task.isCancelled {
            let plan = plans[picker.pick(using: &scope.random)]
            scope.now = Date()
            let request = plan.render(&scope, credential: credential)
            let started = ContinuousClock.now
            metrics.inFlight.set(to: Double(inFlight.add(1, ordering: .relaxed).newValue))
            let outcome = await client.send(request)
            metrics.inFlight.set(to: Double(inFlight.subtract(1, ordering: .relaxed).newValue))
            plan.record(outcome, latency: outcome.completedAt - started)
            let pause = UserPlan.pause(wait, elapsed: .now - started, using: &scope.random)
            do {
                try await Task.sleep(for: pause)
            } catch {
                return
            }
        }
    }
}
