// Parse time of JSON bodies: soak's parser (Sources/SoakConfig/JSON) against Foundation's
// JSONSerialization. Built and run by bench/json; prints a Markdown table.
import Foundation

/// A body like an API list answer (Pulp tasks): objects with strings, hrefs, numbers, booleans,
/// nulls, a nested object and an array, repeated until the body has `size` bytes or more.
func body(size: Int) -> [UInt8] {
    var text = #"{"count":0,"next":null,"results":["#
    var index = 0
    while text.utf8.count < size - 2 {
        if index > 0 { text += "," }
        text += #"{"pulp_href":"/pulp/api/v3/tasks/0190b5c2-\#(index)/","pulp_created":"2026-11-23T10:00:00.123456Z","#
        text += #""state":"completed","name":"pulpcore.app.tasks.base.general_update","progress":\#(Double(index) * 0.37),"#
        text += #""retries":\#(index % 7),"ok":true,"error":null,"worker":{"name":"worker-\#(index % 5)","online":false},"#
        text += #""tags":["a\u00e9","b\n",\#(index)]}"#
        index += 1
    }
    return Array((text + "]}").utf8)
}

/// The median of `rounds` timings of `work`, each timing as many runs as fit in about 20 ms, in seconds per run.
func median(rounds: Int = 15, _ work: () -> Void) -> Double {
    let clock = ContinuousClock()
    var runs = 1
    while clock.measure({ for _ in 0..<runs { work() } }) < .milliseconds(20) { runs *= 2 }
    var timings: [Double] = []
    for _ in 0..<rounds {
        let took = clock.measure { for _ in 0..<runs { work() } }
        timings.append(Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
    }
    return timings.sorted()[rounds / 2] / Double(runs)
}

func format(_ seconds: Double) -> String {
    seconds >= 1e-3 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.1f µs", seconds * 1e6)
}

print("| body | JSONValue(parsing:) | JSONSerialization | ratio |")
print("|---|---|---|---|")
for (label, size) in [("1 KiB", 1 << 10), ("2 KiB", 2 << 10), ("4 KiB", 4 << 10), ("8 KiB", 8 << 10), ("16 KiB", 16 << 10), ("64 KiB", 64 << 10), ("1 MiB", 1 << 20)] {
    let bytes = body(size: size)
    let data = Data(bytes)
    guard (try? JSONValue(parsing: bytes)) != nil, (try? JSONSerialization.jsonObject(with: data)) != nil else { fatalError("not JSON") }
    let ours = median { _ = try? JSONValue(parsing: bytes) }
    let theirs = median { _ = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) }
    print("| \(label) | \(format(ours)) | \(format(theirs)) | \(String(format: "%.1f×", theirs / ours)) |")
}
