/// Events due at instants, earliest first: the event loop's one timer heap. Events due at the same
/// instant come out in the order they went in. A value type with no clock of its own.
struct TimerHeap<Event> {
    private struct Entry {
        let deadline: ContinuousClock.Instant
        let sequence: UInt64
        let event: Event

        func precedes(_ other: Entry) -> Bool {
            deadline < other.deadline || (deadline == other.deadline && sequence < other.sequence)
        }
    }

    private var entries: [Entry] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    /// When the earliest event is due.
    var nextDeadline: ContinuousClock.Instant? { entries.first?.deadline }

    mutating func schedule(_ event: Event, at deadline: ContinuousClock.Instant) {
        entries.append(Entry(deadline: deadline, sequence: sequence, event: event))
        sequence &+= 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest event if it is due at `now`, removed from the heap.
    mutating func popDue(at now: ContinuousClock.Instant) -> (deadline: ContinuousClock.Instant, event: Event)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
                if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
                guard smallest != parent else { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first.deadline, first.event)
    }

    /// Removes every event `matches` picks (a stopped scenario's), keeping the others in order.
    mutating func removeAll(where matches: (Event) -> Bool) {
        let kept = entries.filter { !matches($0.event) }
        guard kept.count != entries.count else { return }
        entries = []
        for entry in kept.sorted(by: { $0.precedes($1) }) { entries.append(entry) }
    }
}
