internal import Foundation
internal import Yams

extension CredentialsConfig {
    init?(_ node: Node, path: String, userCount: Int, reader: ConfigReader) {
        guard let fields = reader.mapping(node, path: path, known: ["file", "kind", "id_column", "token_column"]) else { return nil }
        var kind = Kind.bearer
        if let kindNode = fields["kind"], let text = reader.string(kindNode, path: fields.path("kind")) {
            guard let parsed = Kind(rawValue: text) else {
                reader.report("\(fields.path("kind")): expected bearer or basic, found \"\(text)\"", at: kindNode)
                return nil
            }
            kind = parsed
        }
        let idColumn = fields["id_column"].flatMap { reader.nonEmptyString($0, path: fields.path("id_column")) }
        let tokenColumn = fields["token_column"].flatMap { reader.nonEmptyString($0, path: fields.path("token_column")) }
        for key in ["id_column", "token_column"] where kind == .basic && fields[key] != nil {
            reader.report("\(fields.path(key)): only bearer credentials take \(key); a basic credential's user id is its username", at: fields[key])
            return nil
        }
        if let node = fields["token_column"], idColumn == nil {
            reader.report("\(fields.path("token_column")): needs id_column, the header of the column holding each token's user id", at: node)
            return nil
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
        var rows = CSV.rows(text).filter { !($0.count == 1 && $0[0].isEmpty) }
        if let number = rows.firstIndex(where: { $0.contains(where: ConfigReader.hasLineBreak) }) {
            reader.report(
                "\(fields.path("file")): row \(number + 1) of \"\(file)\" holds a line break (CR or LF) inside a quoted value, which would split the header it is sent in; keep each credential on one line",
                at: fileNode)
            return nil
        }
        var entries: [Credential] = []
        var ids: [String]?
        if let idColumn {
            // A header row names the columns: `id,token` (or the columns given).
            let tokenName = tokenColumn ?? "token"
            let header = rows.first ?? []
            guard let idIndex = header.firstIndex(of: idColumn), let tokenIndex = header.firstIndex(of: tokenName) else {
                let missing = [idColumn, tokenName].filter { !header.contains($0) }.map { "\"\($0)\"" }.joined(separator: " and ")
                reader.report(
                    "\(fields.path("file")): the header row of \"\(file)\" has no column \(missing) (it has \(header.map { "\"\($0)\"" }.joined(separator: ", "))); with id_column the first row names the columns, e.g. id,token",
                    at: fileNode)
                return nil
            }
            rows.removeFirst()
            var read: [String] = []
            for (number, row) in rows.enumerated() {
                guard max(idIndex, tokenIndex) < row.count, !row[idIndex].isEmpty, !row[tokenIndex].isEmpty else {
                    reader.report("\(fields.path("file")): row \(number + 2) of \"\(file)\" has no \(idColumn) or no \(tokenName)", at: fileNode)
                    return nil
                }
                read.append(row[idIndex])
                entries.append(.bearer(token: Secret(value: row[tokenIndex], source: .file(path: file))))
            }
            ids = read
        } else {
            for (number, row) in rows.enumerated() {
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
        }
        guard entries.count >= userCount else {
            reader.report(
                "\(fields.path("file")): \"\(file)\" has \(entries.count) credentials but user_count is \(userCount); every virtual user needs its own",
                at: fileNode)
            return nil
        }
        self.init(file: file, kind: kind, entries: entries, ids: ids)
    }
}
