internal import Foundation

/// A line chart as inline SVG (480×240): a polyline per series with gaps where a window has no value,
/// dashed threshold lines, y ticks on round numbers (1, 2 or 5 times a power of ten) and time ticks on
/// round durations.
struct SVGChart {
    /// One line of the chart: its name and its points (seconds into the run, value or nil).
    struct Series {
        let name: String
        let points: [(x: Double, y: Double?)]
    }

    let title: String
    /// Appended to the y tick labels: `/s`, `ms`, `%`.
    let unit: String
    let series: [Series]
    /// Dashed horizontal lines, each with its label (`p95 < 500ms`).
    let thresholds: [(label: String, value: Double)]
    /// The length of the x axis, in seconds.
    let duration: Double

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    static let thresholdColor = "#b00020"
    private static let width = 480.0, height = 240.0, left = 56.0, right = 12.0, top = 24.0, bottom = 36.0

    var svg: String {
        let (width, height, left, right, top, bottom) = (Self.width, Self.height, Self.left, Self.right, Self.top, Self.bottom)
        let values = series.flatMap { $0.points.compactMap(\.y) }
        let dataMax = values.max() ?? 0
        // A threshold far above the data would flatten it: such a one is named, not drawn.
        let drawn = thresholds.filter { dataMax == 0 || $0.value <= dataMax * 3 }
        let above = thresholds.filter { dataMax > 0 && $0.value > dataMax * 3 }
        let yTicks = Self.ticks(upTo: max(dataMax, drawn.map(\.value).max() ?? 0))
        let yMax = yTicks.last ?? 1
        let xMax = max(duration, 1)
        let xStep = Self.timeStep(for: xMax)
        func x(_ value: Double) -> Double { left + value / xMax * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / yMax * (height - top - bottom) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" role="img" aria-label="\##(HTML.escape(title))">"##
        svg += ##"<rect x="0" y="0" width="\##(Int(width))" height="\##(Int(height))" fill="#fafafa" stroke="#ddd"/>"##
        svg += ##"<text x="\##(Int(left))" y="16">\##(HTML.escape(title))</text>"##
        let decimals = Self.decimals(for: yTicks.count > 1 ? yTicks[1] - yTicks[0] : yMax)
        for tick in yTicks {
            svg += ##"<line x1="\##(f(left))" x2="\##(f(width - right))" y1="\##(f(y(tick)))" y2="\##(f(y(tick)))" stroke="#e4e4e4"/>"##
            svg += ##"<text x="4" y="\##(f(y(tick) + 4))">\##(String(format: "%.\(decimals)f", tick))\##(HTML.escape(unit))</text>"##
        }
        var tick = 0.0
        while tick <= xMax + 1e-9 {
            svg += ##"<line x1="\##(f(x(tick)))" x2="\##(f(x(tick)))" y1="\##(f(height - bottom))" y2="\##(f(height - bottom + 4))" stroke="#999"/>"##
            svg += ##"<text x="\##(f(x(tick) - 8))" y="\##(f(height - bottom + 16))">\##(Figure.duration(seconds: tick))</text>"##
            tick += xStep
        }
        svg += ##"<text x="\##(Int(width / 2 - 40))" y="\##(Int(height - 4))">time into the run</text>"##
        for (index, threshold) in drawn.enumerated() {
            svg += ##"<line x1="\##(f(left))" x2="\##(f(width - right))" y1="\##(f(y(threshold.value)))" y2="\##(f(y(threshold.value)))" stroke="\##(Self.thresholdColor)" stroke-dasharray="8 3" stroke-width="2"/>"##
            // Above its line, or below it when the line runs along the top (where the title is).
            let labelY = y(threshold.value) - 3 < top + 14 ? y(threshold.value) + 13 : y(threshold.value) - 3
            svg += ##"<text x="\##(f(left + 4 + Double(index) * 110))" y="\##(f(labelY))" style="fill:\##(Self.thresholdColor)">\##(HTML.escape(threshold.label))</text>"##
        }
        for (index, line) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            var segments: [[String]] = [[]]
            for point in line.points {
                if let value = point.y { segments[segments.count - 1].append("\(f(x(point.x))),\(f(y(value)))") } else { segments.append([]) }
            }
            for segment in segments where !segment.isEmpty {
                // A lone point is drawn as a dot: a polyline of one point is invisible.
                if segment.count == 1 {
                    let parts = segment[0].split(separator: ",")
                    svg += ##"<circle cx="\##(parts[0])" cy="\##(parts[1])" r="2.5" fill="\##(color)"/>"##
                } else {
                    svg += ##"<polyline fill="none" stroke="\##(color)" stroke-width="2" points="\##(segment.joined(separator: " "))"/>"##
                }
            }
            svg += ##"<text x="\##(Int(width - right - 140))" y="\##(16 + 13 * index)" style="fill:\##(color)">\##(HTML.escape(line.name))</text>"##
        }
        for (index, threshold) in above.enumerated() {
            svg += ##"<text x="\##(Int(left + 4))" y="\##(Int(top + 12 + 13 * Double(index)))" style="fill:\##(Self.thresholdColor)">\##(HTML.escape(threshold.label)) (above the chart)</text>"##
        }
        return svg + "</svg>\n"
    }

    /// Round y ticks from 0 past `maximum`: about five, a step of 1, 2 or 5 times a power of ten.
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        let raw = maximum / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let count = Int((maximum / step).rounded(.up))
        return (0...max(count, 1)).map { Double($0) * step }
    }

    /// Round time ticks: 1, 2, 5, 10, 15 or 30 s, 1, 2, 5, 10, 15 or 30 m, 1, 2, 6 or 12 h, or days,
    /// at most eight over the run.
    static func timeStep(for seconds: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400]
        return steps.first { seconds / $0 <= 8 } ?? (seconds / 8 / 86_400).rounded(.up) * 86_400
    }

    /// Decimals a tick label needs to show `step`.
    static func decimals(for step: Double) -> Int {
        guard step > 0, step < 1 else { return 0 }
        return Int((-log10(step)).rounded(.up))
    }
}
