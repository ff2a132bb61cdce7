extension Array {
    /// Changes the first element `matches` picks, appending `new()` at the end first when none does, so
    /// a recorder keeps what it records in the order it first reported.
    mutating func update(where matches: (Element) -> Bool, new: () -> Element, _ change: (inout Element) -> Void) {
        let index = firstIndex(where: matches) ?? {
            append(new())
            return count - 1
        }()
        change(&self[index])
    }
}
