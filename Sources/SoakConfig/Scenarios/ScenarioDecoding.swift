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
        let pools = fields["pools"].map { PoolConfig.pools($0, path: fields.path("pools"), reader: reader) } ?? []
        let credentials = fields["credentials"].flatMap {
            CredentialsConfig($0, path: fields.path("credentials"), userCount: userCount, reader: reader)
        }
        // Templates may name every declared pool, valid or not, so a bad pool is reported once, where it is.
        let declaredPools = fields["pools"]?.mapping?.compactMap { $0.key.scalar?.string } ?? []
        let scope = Template.Scope(pools: Set(declaredPools), hasUsers: isClosed, environment: reader.expansion.environment)

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

extension PoolConfig {
    static func pools(_ node: Node, path: String, reader: ConfigReader) -> [PoolConfig] {
        (reader.namedEntries(node, path: path, what: "pool names to pools") ?? []).compactMap { entry in
            PoolConfig(name: entry.name, node: entry.value, path: "\(path).\(entry.name)", reader: reader)
        }
    }

    init?(name: String, node: Node, path: String, reader: ConfigReader) {
        let sources = ["values", "range", "csv", "sql"]
        guard let fields = reader.mapping(node, path: path, known: sources + ["column", "dsn", "dsn_file", "fallback", "per_user", "overlap"])
        else { return nil }
        let problemsBefore = reader.problems.count
        let given = sources.filter { fields[$0] != nil }
        guard given.count == 1 else {
            reader.report("\(path): set exactly one of values, range, csv or sql", at: node)
            return nil
        }
        var source: Source?
        switch given[0] {
        case "sql":
            let query = reader.nonEmptyString(fields["sql"]!, path: fields.path("sql"))
            let dsn = reader.secret(fields, key: "dsn", required: true)
            var fallback: [TemplateValue]?
            if let fallbackNode = fields["fallback"] {
                fallback = Self.staticValues(fallbackNode, path: fields.path("fallback"), reader: reader)
            } else {
                reader.report("\(path): a sql pool needs a fallback (values or range) for when the database cannot be reached", at: node)
            }
            if let query, let dsn, let fallback { source = .sql(dsn: dsn, query: query, fallback: fallback) }
        default:
            source = Self.staticValues(node, path: path, reader: reader).map { .values($0) }
        }
        let perUser = fields["per_user"].flatMap { reader.integer($0, path: fields.path("per_user"), minimum: 1, maximum: Limits.poolValues) }
        var overlap = 0.0
        if let overlapNode = fields["overlap"] {
            overlap = reader.fraction(overlapNode, path: fields.path("overlap")) ?? 0
            if overlap >= 1 { reader.report("\(fields.path("overlap")): must be below 100%", at: overlapNode) }
            if perUser == nil { reader.report("\(fields.path("overlap")): needs per_user", at: overlapNode) }
        }
        guard reader.problems.count == problemsBefore, let source else { return nil }
        self.init(name: name, source: source, perUser: perUser, overlap: overlap)
    }

    /// The values of a `values`, `range` or `csv` pool (also a sql pool's fallback).
    private static func staticValues(_ node: Node, path: String, reader: ConfigReader) -> [TemplateValue]? {
        guard let fields = reader.mapping(node, path: path, known: ["values", "range", "csv", "column", "sql", "dsn", "dsn_file", "fallback", "per_user", "overlap"])
        else { return nil }
        if let valuesNode = fields["values"] {
            let values = (reader.sequence(valuesNode, path: fields.path("values")) ?? []).compactMap { item -> TemplateValue? in
                guard let text = reader.string(item, path: fields.path("values")) else { return nil }
                return Int(text).map { .integer($0) } ?? .string(text)
            }
            if values.isEmpty { reader.report("\(fields.path("values")): needs at least one value", at: valuesNode) }
            if values.count > Limits.poolValues {
                reader.report("\(fields.path("values")): \(values.count) values is beyond the limit of \(Limits.poolValues); use fewer", at: valuesNode)
                return nil
            }
            return values.isEmpty ? nil : values
        }
        if let rangeNode = fields["range"] {
            guard let text = reader.string(rangeNode, path: fields.path("range")) else { return nil }
            let bounds = text.components(separatedBy: "..")
            guard bounds.count == 2, let low = Int(bounds[0].trimmingCharacters(in: .whitespaces)),
                let high = Int(bounds[1].trimmingCharacters(in: .whitespaces)), low <= high
            else {
                reader.report("\(fields.path("range")): invalid range \"\(text)\"; write LOW..HIGH with whole numbers, e.g. 800..1000", at: rangeNode)
                return nil
            }
            let (span, overflow) = high.subtractingReportingOverflow(low)
            guard !overflow, span < Limits.poolValues else {
                reader.report(
                    "\(fields.path("range")): \"\(text)\" holds more than the limit of \(Limits.poolValues) values; narrow it", at: rangeNode)
                return nil
            }
            return (low...high).map { .integer($0) }
        }
        if let csvNode = fields["csv"] {
            guard let file = reader.path(csvNode, path: fields.path("csv")) else { return nil }
            guard let columnNode = fields["column"], let column = reader.nonEmptyString(columnNode, path: fields.path("column")) else {
                reader.report("\(path): a csv pool needs column, the header of the column to use", at: node)
                return nil
            }
            switch FileContents.read(file) {
            case .failure(let failure):
                reader.report("\(fields.path("csv")): cannot read \"\(file)\": \(failure.reason)", at: csvNode)
                return nil
            case .success(let text):
                let rows = CSV.rows(text)
                guard let header = rows.first, let columnIndex = header.firstIndex(of: column) else {
                    reader.report("\(fields.path("column")): \"\(file)\" has no column \"\(column)\" in its header row", at: columnNode)
                    return nil
                }
                let values = rows.dropFirst().compactMap { row -> TemplateValue? in
                    guard columnIndex < row.count, !row[columnIndex].isEmpty else { return nil }
                    return Int(row[columnIndex]).map { .integer($0) } ?? .string(row[columnIndex])
                }
                if values.isEmpty { reader.report("\(fields.path("csv")): \"\(file)\" has no values in column \"\(column)\"", at: csvNode) }
                if values.count > Limits.poolValues {
                    reader.report(
                        "\(fields.path("csv")): \"\(file)\" has \(values.count) values in column \"\(column)\", beyond the limit of \(Limits.poolValues); use fewer",
                        at: csvNode)
                    return nil
                }
                return values.isEmpty ? nil : values
            }
        }
        reader.report("\(path): set values, range or csv", at: node)
        return nil
    }
}

extension CredentialsConfig {
    init?(_ node: Node, path: String, userCount: Int, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: ["file", "kind"]) else { return nil }
        var kind = Kind.bearer
        if let kindNode = fields["kind"], let text = reader.string(kindNode, path: fields.path("kind")) {
            guard let parsed = Kind(rawValue: text) else {
                reader.report("\(fields.path("kind")): expected bearer or basic, found \"\(text)\"", at: kindNode)
                return nil
            }
            kind = parsed
        }
        guard let fileNode = fields["file"] else {
            reader.report("\(path): missing required key \"file\"", at: node)
            return nil
        }
        guard let file = reader.path(fileNode, path: fields.path("file")) else { return nil }
        let text: String
        switch FileContents.read(file) {
        case .failure(let failure):
            reader.report("\(fields.path("file")): cannot read \"\(file)\": \(failure.reason)", at: fileNode)
            return nil
        case .success(let contents):
            text = contents
        }
        var entries: [Credential] = []
        for (number, row) in CSV.rows(text).enumerated() where !(row.count == 1 && row[0].isEmpty) {
            guard !row.contains(where: ConfigReader.hasLineBreak) else {
                reader.report(
                    "\(fields.path("file")): row \(number + 1) of \"\(file)\" holds a line break (CR or LF) inside a quoted value, which would split the header it is sent in; keep each credential on one line",
                    at: fileNode)
                return nil
            }
            switch kind {
            case .bearer:
                entries.append(.bearer(token: Secret(value: row[0], source: .file(path: file))))
            case .basic:
                guard row.count >= 2, !row[0].isEmpty else {
                    reader.report("\(fields.path("file")): line \(number + 1) of \"\(file)\" is not username,password", at: fileNode)
                    return nil
                }
                entries.append(.basic(username: row[0], password: Secret(value: row[1], source: .file(path: file))))
            }
        }
        guard entries.count >= userCount else {
            reader.report(
                "\(fields.path("file")): \"\(file)\" has \(entries.count) credentials but user_count is \(userCount); every virtual user needs its own",
                at: fileNode)
            return nil
        }
        self.init(file: file, kind: kind, entries: entries)
    }
}

/// Splits CSV text into rows of fields (RFC 4180 quoting; blank lines dropped).
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { row.append(field); field = "" } else if next == "\n" || next == "\r\n" {
                                row.append(field); rows.append(row); row = []; field = ""
                            }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else if character != "\r" {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows.filter { !($0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty) }
    }
}
