internal import Foundation
internal import Yams

extension PoolConfig {
    static let sources = ["values", "range", "csv", "sql", "http"]
    static let keys = sources + ["column", "dsn", "dsn_file", "fallback", "per_user", "overlap", "target", "format", "json_path"]

    /// A scenario's `pools`; an HTTP pool's `target` defaults to `scenarioTarget`.
    static func pools(_ node: Node, path: String, targets: TargetLookup, scenarioTarget: TargetConfig?, reader: ConfigReader) -> [PoolConfig] {
        (reader.namedEntries(node, path: path, what: "pool names to pools") ?? []).compactMap { entry in
            PoolConfig(name: entry.name, node: entry.value, path: "\(path).\(entry.name)", targets: targets, scenarioTarget: scenarioTarget, reader: reader)
        }
    }

    init?(name: String, node: Node, path: String, targets: TargetLookup, scenarioTarget: TargetConfig?, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }
        let problemsBefore = reader.problems.count
        let given = Self.sources.filter { fields[$0] != nil }
        guard given.count == 1 else {
            reader.report("\(path): set exactly one of values, range, csv, sql or http", at: node)
            return nil
        }
        for key in ["target", "format", "json_path"] where given[0] != "http" && fields[key] != nil {
            reader.report("\(fields.path(key)): only http pools take \(key)", at: fields[key])
        }
        var source: Source?
        switch given[0] {
        case "sql", "http":
            var fallback: [TemplateValue]?
            if let fallbackNode = fields["fallback"] {
                fallback = Self.staticValues(fallbackNode, path: fields.path("fallback"), reader: reader)
            } else {
                reader.report(
                    "\(path): \(given[0] == "sql" ? "a sql" : "an http") pool needs a fallback (values or range) for when the \(given[0] == "sql" ? "database" : "server") cannot be reached",
                    at: node)
            }
            if given[0] == "sql" {
                let query = reader.nonEmptyString(fields["sql"]!, path: fields.path("sql"))
                let dsn = reader.secret(fields, key: "dsn", required: true)
                if let query, let dsn, let fallback { source = .sql(dsn: dsn, query: query, fallback: fallback) }
            } else {
                let http = Self.httpSource(fields, path: path, targets: targets, scenarioTarget: scenarioTarget, reader: reader)
                if let http, let fallback { source = .http(HTTPPoolSource(target: http.target, request: http.request, format: http.format, fallback: fallback)) }
            }
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
        guard let fields = reader.mapping(node, path: path, known: Self.keys) else { return nil }
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

    /// An http pool's request, target and answer format.
    private static func httpSource(
        _ fields: Fields, path: String, targets: TargetLookup, scenarioTarget: TargetConfig?, reader: ConfigReader
    ) -> (target: TargetConfig, request: HTTPRequestConfig, format: HTTPPoolSource.Format)? {
        let target = fields["target"] == nil ? scenarioTarget : reader.targetReference(fields, path: path, targets: targets)
        let request = reader.probeRequest(
            fields, key: "http", path: path, defaultPath: nil,
            example: #"{ path: "/", query: { query: "SELECT id FROM bundles FORMAT JSONEachRow" } }"#)
        let formats = ["json", "jsonl", "csv", "tsv"]
        guard let formatNode = fields["format"] else {
            reader.report("\(path): an http pool needs format: json (with json_path), jsonl (with json_path), csv or tsv (with column)", at: fields.node)
            return nil
        }
        guard let formatName = reader.string(formatNode, path: fields.path("format")) else { return nil }
        var format: HTTPPoolSource.Format?
        switch formatName {
        case "json", "jsonl":
            if let node = fields["column"] { reader.report("\(fields.path("column")): a \(formatName) pool takes json_path, not column", at: node) }
            guard let pathNode = fields["json_path"] else {
                reader.report("\(path): a \(formatName) pool needs json_path, where the values are\(formatName == "json" ? ", e.g. data[].id" : " in each line, e.g. id")", at: formatNode)
                return nil
            }
            guard let jsonPath = reader.jsonPath(pathNode, path: fields.path("json_path"), several: formatName == "json") else { return nil }
            format = formatName == "json" ? .json(jsonPath) : .jsonLines(jsonPath)
        case "csv", "tsv":
            if let node = fields["json_path"] { reader.report("\(fields.path("json_path")): a \(formatName) pool takes column, not json_path", at: node) }
            guard let columnNode = fields["column"], let column = reader.nonEmptyString(columnNode, path: fields.path("column")) else {
                if fields["column"] == nil { reader.report("\(path): a \(formatName) pool needs column, the header of the column to use", at: formatNode) }
                return nil
            }
            format = formatName == "csv" ? .csv(column: column) : .tsv(column: column)
        default:
            reader.report("\(fields.path("format")): expected one of \(formats.joined(separator: ", ")), found \"\(formatName)\"", at: formatNode)
        }
        guard let target, let request, let format else { return nil }
        return (target, request, format)
    }
}
