internal import Yams

extension ScenarioConfig {
    /// The scenario as YAML for the status page, with credentials and sensitive values hidden.
    var node: Node {
        var pairs: [(Node, Node)] = [(Node("name"), Node(name)), (Node("target"), Node(target.name))]
        switch workload {
        case .open(let model):
            pairs.append((Node("rate"), Node(model.rate.description)))
            pairs.append((Node("arrivals"), Node(model.arrivals.rawValue)))
            pairs.append((Node("max_in_flight"), Node(String(model.maxInFlight))))
        case .closed(let model):
            pairs.append((Node("user_count"), Node(String(model.userCount))))
            pairs.append((Node("ramp_up"), Node(DurationSyntax.format(model.rampUp))))
            pairs.append((Node("users"), Node(model.classes.map(\.node))))
        }
        if !pools.isEmpty {
            pairs.append((Node("pools"), Node(pools.map { (Node($0.name), $0.node) })))
        }
        if let credentials {
            pairs.append((Node("credentials"), Node([(Node("file"), Node(credentials.file)), (Node("kind"), Node(credentials.kind.rawValue))])))
        }
        pairs.append((Node("requests"), Node(requests.map(\.node))))
        if let seed { pairs.append((Node("seed"), Node(String(seed)))) }
        pairs.append((Node("thresholds"), Node(thresholds.map { Node($0.description) })))
        return Node(pairs)
    }
}

extension ScenarioConfig.UserClass {
    var node: Node {
        var pairs: [(Node, Node)] = [(Node("name"), Node(name))]
        if let weight { pairs.append((Node("weight"), Node(String(weight)))) }
        if let count { pairs.append((Node("count"), Node(String(count)))) }
        switch wait {
        case .constant(let pause): pairs.append((Node("wait"), Node(DurationSyntax.format(pause))))
        case .between(let low, let high): pairs.append((Node("wait"), Node("\(DurationSyntax.format(low))..\(DurationSyntax.format(high))")))
        case .pacing(let interval): pairs.append((Node("pacing"), Node(DurationSyntax.format(interval))))
        }
        if let requests { pairs.append((Node("requests"), Node(requests.map { Node($0) }))) }
        return Node(pairs)
    }
}

extension ScenarioConfig.Threshold: CustomStringConvertible {
    public var description: String {
        switch self {
        case .latency(let quantile, let below):
            let percentile = quantile * 100
            let name = percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
            return "p\(name) < \(DurationSyntax.format(below))"
        case .errorRatio(let below):
            return "error_ratio < \(below * 100)%"
        case .rate(let above):
            return "rate > \(above == above.rounded() ? String(Int(above)) : String(above))/s"
        }
    }
}

extension PoolConfig {
    var node: Node {
        var pairs: [(Node, Node)] = []
        switch source {
        case .values(let values): pairs.append((Node("values"), Node("\(values.count) values")))
        case .sql(let dsn, let query, let fallback):
            pairs.append((Node("sql"), Node(query)))
            pairs.append(dsn.node(key: "dsn"))
            pairs.append((Node("fallback"), Node("\(fallback.count) values")))
        case .http(let source):
            pairs.append((Node("http"), Node(source.request.nodePairs)))
            pairs.append((Node("target"), Node(source.target.name)))
            switch source.format {
            case .json(let path): pairs += [(Node("format"), Node("json")), (Node("json_path"), Node(path.description))]
            case .jsonLines(let path): pairs += [(Node("format"), Node("jsonl")), (Node("json_path"), Node(path.description))]
            case .csv(let column): pairs += [(Node("format"), Node("csv")), (Node("column"), Node(column))]
            case .tsv(let column): pairs += [(Node("format"), Node("tsv")), (Node("column"), Node(column))]
            }
            pairs.append((Node("fallback"), Node("\(source.fallback.count) values")))
        }
        if let perUser { pairs.append((Node("per_user"), Node(String(perUser)))) }
        if overlap > 0 { pairs.append((Node("overlap"), Node("\(overlap * 100)%"))) }
        return Node(pairs)
    }
}

extension RequestConfig {
    var node: Node {
        var pairs: [(Node, Node)] = [(Node("name"), Node(name))] + request.nodePairs + [(Node("weight"), Node(String(weight)))]
        if !checks.isEmpty { pairs.append((Node("checks"), Node("\(checks.count) checks"))) }
        return Node(pairs)
    }
}

extension RequestConfig.BodyCheck: CustomStringConvertible {
    /// How a failure names the check: `json status equals ok`, `json items[0].id exists`, `regex "count"`.
    public var description: String {
        switch self {
        case .jsonExists(let path): "json \(path) exists"
        case .jsonEquals(let path, let value): "json \(path) equals \(value)"
        case .regex(let pattern): "regex \(pattern)"
        }
    }
}

extension HTTPRequestConfig.StatusExpectation: CustomStringConvertible {
    /// `2xx`, `200, 400, 404`, `2xx, 404`: classes first, then codes.
    public var description: String {
        switch self {
        case .accept(let classes, let codes): (classes.sorted().map { "\($0)xx" } + codes.sorted().map(String.init)).joined(separator: ", ")
        }
    }
}
