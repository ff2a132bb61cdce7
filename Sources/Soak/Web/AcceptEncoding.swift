/// Reads an `Accept-Encoding` request header (RFC 9110, section 12.5.3).
enum AcceptEncoding {
    /// Whether a response may be gzip-compressed: `gzip` or `*` is listed with a q-value above 0,
    /// and gzip is not refused explicitly with `gzip;q=0`.
    static func allowsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var gzipQuality: Double?
        var wildcardQuality: Double?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
            guard let coding = parts.first, !coding.isEmpty else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            switch coding {
            case "gzip", "x-gzip": gzipQuality = quality
            case "*": wildcardQuality = quality
            default: break
            }
        }
        return (gzipQuality ?? wildcardQuality ?? 0) > 0
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
