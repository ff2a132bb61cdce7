internal import Foundation
internal import SoakConfig

/// One closed-model virtual user as the event loop drives it: it waits for its start in the ramp-up,
/// sends, pauses as its class says, sends again, until its scenario stops. A value type: the loop
/// passes the time and what happened, and schedules the wake-up it is given.
struct VirtualUser {
    enum Phase: Equatable {
        /// Waiting for its start in the ramp-up; not yet counted in `soak_virtual_users`.
        case starting
        /// Its request is in flight since then.
        case sending(since: ContinuousClock.Instant)
        /// Waiting until it sends again.
        case pausing
        /// Its scenario stopped; it sends no more.
        case stopped
    }

    let index: Int
    let classIndex: Int
    /// Its randomness, identity and pool slices.
    var scope: RenderScope
    let credential: Credential?
    private(set) var phase = Phase.starting

    init(index: Int, classIndex: Int, scope: RenderScope, credential: Credential?) {
        self.index = index
        self.classIndex = classIndex
        self.scope = scope
        self.credential = credential
    }

    /// Whether it has started (so counts in `soak_virtual_users`) and not stopped.
    var isRunning: Bool {
        switch phase {
        case .sending, .pausing: true
        case .starting, .stopped: false
        }
    }

    /// Its request goes out at `now`.
    mutating func send(at now: ContinuousClock.Instant) {
        guard phase != .stopped else { return }
        phase = .sending(since: now)
    }

    /// Its request ended at `now`: when it sends the next one, after the pause `wait` asks for
    /// (pacing counts from the send); nil once stopped.
    mutating func finished(at now: ContinuousClock.Instant, wait: ScenarioConfig.Wait) -> ContinuousClock.Instant? {
        guard case .sending(let since) = phase else { return nil }
        phase = .pausing
        return now + UserPlan.pause(wait, elapsed: now - since, using: &scope.random)
    }

    mutating func stop() {
        phase = .stopped
    }
}

extension VirtualUser {
    /// The users of a closed-model scenario this process runs: all of them, or sharded (`--shard I/N`)
    /// the users whose global index is `I` modulo `N`. Each has the class, identity, credential, pool
    /// slice and randomness of its global index, so a user is the same whichever shard runs it, and
    /// no user runs on two shards.
    static func users(of config: ScenarioConfig, model: ScenarioConfig.ClosedModel, pools: [String: [TemplateValue]], random: SeededRandom) -> [VirtualUser] {
        let assignment = UserPlan.classAssignment(userCount: model.userCount, classes: model.classes)
        var users: [VirtualUser] = []
        for (index, classIndex) in assignment.enumerated() where config.shard.owns(Int64(index)) {
            var userRandom = random.derived(index)
            let credential = config.credentials?.entries[index]
            let id = config.credentials?.userID(at: index) ?? "\(config.name)-\(index)"
            let identity = VirtualUserIdentity(
                index: index, id: id, userClass: model.classes[classIndex].name, sessionID: VirtualUserIdentity.makeSessionID(using: &userRandom))
            var slices: [String: [TemplateValue]] = [:]
            for pool in config.pools {
                slices[pool.name] = UserPlan.poolSlice(pools[pool.name] ?? [], perUser: pool.perUser, overlap: pool.overlap, index: index)
            }
            users.append(
                VirtualUser(
                    index: index, classIndex: classIndex, scope: RenderScope(random: userRandom, user: identity, pools: slices, now: Date()),
                    credential: credential))
        }
        return users
    }
}
