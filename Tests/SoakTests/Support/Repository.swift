import Foundation

/// The repository's root (where deploy/, dashboards/, examples/, scripts/ and Tests/ are), found from this file's place.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The dashboards under dashboards/, as scripts/generate writes them.
let dashboardFiles = ["soak-overview.json", "soak-database.json", "soak-tasks.json"]
