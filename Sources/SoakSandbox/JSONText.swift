internal import Foundation

/// JSON text of values built from dictionaries and arrays: keys sorted, slashes as they are (hrefs read as written).
enum JSONText {
    static func from(_ object: Any) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
