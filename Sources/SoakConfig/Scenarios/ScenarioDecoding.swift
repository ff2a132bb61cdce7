internal import Foundation
internal import Yams

extension ScenarioConfig {
    static let keys = [
        "name", "target", "rate", "arrivals", "max_in_flight", "user_count", "ramp_up", "users", "requests", "pools",
        "credentials", "seed", "thresholds",
    ]

    init?(_ node: Node, path: String, targets: TargetLookup, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }
        let problemsBefore = reader.problems.count

        let name = fields["name"].flatMap { reader.labelName($0, path: fields.path("name")) }
        if fields["name"] == nil { reader.report("\(path): missing required key \"name\"", at: node) }
        let target = reader.targetReference(fields, path: path, targets: targets)

        let isClosed = fields["user_count"] != nil || fields["users"] != nil
        let isOpen = fields["rate"] != nil
        var workload: Workload?
        switch (isOpen, isClosed) {
        case (true, true):
            reader.report("\(path): set rate (open model) or user_count and users (closed model), not both", at: node)
        case (false, false):
            reader.report("\(path): set rate (open model, e.g. rate: 5/s) or user_count and users (closed model)", at: node)
        case (true, false):
            workload = Self.openModel(fields, reader: reader).map { .open($0) }
            for key in ["ramp_up", "credentials"] where fields[key] != nil {
                reader.report("\(fields.path(key)): only scenarios with users (the closed model) take \(key)", at: fields[key])
            }
        case (false, true):
            workload = Self.closedModel(fields, reader: reader).map { .closed($0) }
            for key in ["arrivals", "max_in_flight"] where fields[key] != nil {
                reader.report("\(fields.path(key)): only scenarios with a rate (the open model) take \(key)", at: fields[key])
            }
        }

        var userCount = 0
        if case .closed(let model) = workload { userCount = model.userCount }
        let pools = fields["pools"].map {
            PoolConfig.pools($0, path: fields.path("pools"), targets: targets, scenarioTarget: target, reader: reader)
        } ?? []
        let credentials = fields["credentials"].flatMap {
            CredentialsConfig($0, path: fields.path("credentials"), userCount: userCount, reader: reader)
        }
        // Templates may name every declared pool, valid or not, so a bad pool is reported once, where it is.
        let declaredPools = fields["pools"]?.mapping?.compactMap { $0.key.scalar?.string } ?? []
        let scope = Template.Scope(pools: Set(declaredPools), hasUsers: isClosed, hasArrivals: !isClosed, environment: reader.expansion.environment)

        var requests: [RequestConfig] = []
        var requestNames: Set<String> = []
        if let requestsNode = fields["requests"] {
            for (index, requestNode) in (reader.sequence(requestsNode, path: fields.path("requests")) ?? []).enumerated() {
                if let request = RequestConfig(requestNode, path: "\(fields.path("requests"))[\(index)]", scope: scope, reader: reader) {
                    if !requestNames.insert(request.name).inserted {
                        reader.report("\(fields.path("requests"))[\(index)].name: \"\(request.name)\" is used twice; request names must differ", at: requestNode)
                    }
                    requests.append(request)
                }
            }
            if requests.isEmpty, reader.problems.count == problemsBefore {
                reader.report("\(fields.path("requests")): a scenario needs at least one request", at: requestsNode)
            }
        } else {
            reader.report("\(path): missing required key \"requests\"", at: node)
        }
        if case .closed(let model) = workload {
            for userClass in model.classes {
                for requestName in userClass.requests ?? [] where !requestNames.contains(requestName) {
                    reader.report("\(fields.path("users")): class \(userClass.name) names request \"\(requestName)\", which this scenario does not have", at: fields["users"])
                }
            }
        }

        var seed: UInt64?
        if let seedNode = fields["seed"], let text = reader.string(seedNode, path: fields.path("seed")) {
            seed = UInt64(text)
            if seed == nil { reader.report("\(fields.path("seed")): expected a whole number, found \"\(text)\"", at: seedNode) }
        }
        let thresholds = fields["thresholds"].flatMap { reader.thresholds($0, path: fields.path("thresholds")) } ?? Self.defaultThresholds

        guard reader.problems.count == problemsBefore, let name, let target, let workload else { return nil }
        self.init(
            name: name, target: target, workload: workload, requests: requests, pools: pools, credentials: credentials,
            seed: seed, thresholds: thresholds)
    }

    private static func openModel(_ fields: Fields, reader: ConfigReader) -> OpenModel? {
        let rate = fields["rate"].flatMap { reader.rate($0, path: fields.path("rate")) }
        var arrivals: OpenModel.Arrivals? = .constant
        if let arrivalsNode = fields["arrivals"], let text = reader.string(arrivalsNode, path: fields.path("arrivals")) {
            arrivals = OpenModel.Arrivals(rawValue: text)
            if arrivals == nil {
                reader.report("\(fields.path("arrivals")): expected constant or poisson, found \"\(text)\"", at: arrivalsNode)
            }
        }
        let maxInFlight = fields["max_in_flight"].map {
            reader.integer($0, path: fields.path("max_in_flight"), minimum: 1, maximum: Limits.maxInFlight)
        } ?? defaultMaxInFlight
        guard let rate, let arrivals, let maxInFlight else { return nil }
        return OpenModel(rate: rate, arrivals: arrivals, maxInFlight: maxInFlight)
    }

    private static func closedModel(_ fields: Fields, reader: ConfigReader) -> ClosedModel? {
        guard let countNode = fields["user_count"] else {
            reader.report("\(fields.path): set user_count, the number of virtual users", at: fields.node)
            return nil
        }
        guard let userCount = reader.integer(countNode, path: fields.path("user_count"), minimum: 1, maximum: Limits.userCount) else { return nil }
        let rampUp = fields["ramp_up"].map { reader.duration($0, path: fields.path("ramp_up"), maximum: Limits.wait) } ?? .zero
        guard let usersNode = fields["users"] else {
            reader.report("\(fields.path): set users, e.g. users: [{ name: default, weight: 1, wait: 1s..2s }]", at: fields.node)
            return nil
        }
        var classes: [UserClass] = []
        let classNodes = reader.sequence(usersNode, path: fields.path("users")) ?? []
        for (index, classNode) in classNodes.enumerated() {
            if let userClass = UserClass(classNode, path: "\(fields.path("users"))[\(index)]", reader: reader) {
                classes.append(userClass)
            }
        }
        if classNodes.isEmpty, usersNode.sequence != nil {
            reader.report("\(fields.path("users")): needs at least one user class", at: usersNode)
        }
        guard let rampUp, !classes.isEmpty, classes.count == classNodes.count else { return nil }
        let fixed = classes.compactMap(\.count).reduce(0, +)
        let weighted = classes.contains { $0.weight != nil }
        if fixed > userCount || (!weighted && fixed != userCount) {
            reader.report(
                "\(fields.path("users")): the classes' counts add up to \(fixed) but user_count is \(userCount); give a class a weight or change the counts",
                at: usersNode)
            return nil
        }
        return ClosedModel(userCount: userCount, rampUp: rampUp, classes: classes)
    }
}

extension ScenarioConfig.UserClass {
    init?(_ node: Node, path: String, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: ["name", "weight", "count", "wait", "pacing", "requests"]) else { return nil }
        let problemsBefore = reader.problems.count
        let name = fields["name"].flatMap { reader.labelName($0, path: fields.path("name")) }
        if fields["name"] == nil { reader.report("\(path): missing required key \"name\"", at: node) }
        let weight = fields["weight"].flatMap { reader.integer($0, path: fields.path("weight"), minimum: 1, maximum: Limits.weight) }
        let count = fields["count"].flatMap { reader.integer($0, path: fields.path("count"), minimum: 0, maximum: Limits.userCount) }
        if fields["weight"] != nil, fields["count"] != nil {
            reader.report("\(path): set weight or count, not both", at: node)
        }
        var wait: ScenarioConfig.Wait?
        switch (fields["wait"], fields["pacing"]) {
        case (.some(let waitNode), nil):
            wait = reader.wait(waitNode, path: fields.path("wait"))
        case (nil, .some(let pacingNode)):
            wait = reader.positiveDuration(pacingNode, path: fields.path("pacing"), maximum: Limits.wait).map { .pacing($0) }
        case (.some, .some):
            reader.report("\(path): set wait or pacing, not both", at: node)
        case (nil, nil):
            reader.report("\(path): set wait (e.g. wait: 1s..2s or wait: 500ms) or pacing (e.g. pacing: 5s)", at: node)
        }
        var requests: [String]?
        if let requestsNode = fields["requests"] {
            requests = (reader.sequence(requestsNode, path: fields.path("requests")) ?? []).compactMap {
                reader.nonEmptyString($0, path: fields.path("requests"))
            }
        }
        guard reader.problems.count == problemsBefore, let name, let wait else { return nil }
        self.init(name: name, weight: count == nil ? (weight ?? 1) : nil, count: count, wait: wait, requests: requests)
    }
}

extension RequestConfig {
    static let keys = ["name", "weight", "checks", "thresholds"] + HTTPRequestConfig.keys

    init?(_ node: Node, path: String, scope: Template.Scope, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }
        let problemsBefore = reader.problems.count
        let name = fields["name"].flatMap { reader.labelName($0, path: fields.path("name")) }
        if fields["name"] == nil { reader.report("\(path): missing required key \"name\"", at: node) }
        let request = HTTPRequestConfig(fields, scope: scope, reader: reader)
        let weight = fields["weight"].map { reader.integer($0, path: fields.path("weight"), minimum: 0, maximum: Limits.weight) } ?? 1
        let checks = fields["checks"].map { reader.bodyChecks($0, path: fields.path("checks")) } ?? []
        let thresholds = fields["thresholds"].flatMap { reader.thresholds($0, path: fields.path("thresholds")) }

        guard reader.problems.count == problemsBefore, let name, let request, let weight else { return nil }
        self.init(name: name, request: request, weight: weight, checks: checks, thresholds: thresholds)
    }
}
