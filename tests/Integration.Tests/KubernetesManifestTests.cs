using CaaS.Hosting;
using CaaS.Silo;
using CaaS.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using YamlDotNet.RepresentationModel;

namespace CaaS.Integration.Tests;

/// <summary>
/// DEP-1 on Kubernetes, offline (no cluster, no kubectl): deploy/k8s parsed as YAML and checked for what
/// Orleans' Kubernetes hosting documents it needs (pod labels, downward-API environment, RBAC on pods),
/// probes on the hosts' health endpoints, a disruption budget for the silos, one Service (the API
/// host's), every secret a Secret reference, Orleans TLS from a mounted Secret, and a migrate Job.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "k8s");

    private static readonly List<YamlMappingNode> Documents = Load();

    /// <summary>Settings no manifest may carry as a literal: SEC-5's secrets, by their environment names.</summary>
    private static readonly string[] SecretSettings =
    [
        .. DevelopmentSecrets.HashBySetting.Keys.Select(setting => setting.Replace(":", "__", StringComparison.Ordinal)),
        "ConnectionStrings__Caas", "Integrations__Vss__ClientId", "Integrations__Factory__ClientCertificatePassword", "Orleans__Tls__CertificatePassword",
        "Events__Nats__Password",
    ];

    [Fact]
    public void DEP_1_every_manifest_the_kustomization_lists_exists_and_every_manifest_is_listed()
    {
        var kustomization = Documents.Single(document => Kind(document) == "Kustomization");
        var listed = Sequence(kustomization, "resources").Select(Scalar).Order().ToList();
        var files = Directory.GetFiles(Folder, "*.yaml").Select(file => Path.GetFileName(file)).Where(name => name != "kustomization.yaml").Order().ToList();

        Assert.Equal(files, listed);
    }

    [Fact]
    public void DEP_1_silo_pods_carry_the_labels_environment_and_service_account_Orleans_Kubernetes_hosting_needs()
    {
        var silo = Deployment("caas-silo");
        var pod = Map(Map(silo, "spec"), "template");
        var labels = Map(Map(pod, "metadata"), "labels");
        var container = Container(silo);
        var environment = Environment(container);

        Assert.False(string.IsNullOrWhiteSpace(Scalar(labels, "orleans/serviceId")));
        Assert.False(string.IsNullOrWhiteSpace(Scalar(labels, "orleans/clusterId")));
        Assert.Equal("true", Value(environment["Orleans__Kubernetes"]));
        Assert.Equal("metadata.name", FieldRef(environment["POD_NAME"]));
        Assert.Equal("metadata.namespace", FieldRef(environment["POD_NAMESPACE"]));
        Assert.Equal("status.podIP", FieldRef(environment["POD_IP"]));
        Assert.Equal("metadata.labels['orleans/serviceId']", FieldRef(environment["ORLEANS_SERVICE_ID"]));
        Assert.Equal("metadata.labels['orleans/clusterId']", FieldRef(environment["ORLEANS_CLUSTER_ID"]));
        Assert.True(int.Parse(Scalar(Map(silo, "spec"), "replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2);

        // The pod's service account may do to pods what the hosting's cluster agent does.
        var account = Scalar(Map(pod, "spec"), "serviceAccountName");
        var binding = Documents.Single(document => Kind(document) == "RoleBinding");
        Assert.Contains(Sequence(binding, "subjects").Cast<YamlMappingNode>(),
            subject => Scalar(subject, "kind") == "ServiceAccount" && Scalar(subject, "name") == account);
        Assert.Single(Documents, document => Kind(document) == "ServiceAccount" && Name(document) == account);
        var role = Documents.Single(document => Kind(document) == "Role" && Name(document) == Scalar(Map(binding, "roleRef"), "name"));
        var rule = Assert.Single(Sequence(role, "rules").Cast<YamlMappingNode>());
        Assert.Equal(["pods"], Sequence(rule, "resources").Select(Scalar));
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "patch", "delete" }, Sequence(rule, "verbs").Select(Scalar).ToHashSet());
    }

    [Fact]
    public void DEP_1_the_API_host_joins_the_cluster_the_silo_labels_name()
    {
        var labels = Map(Map(Map(Map(Deployment("caas-silo"), "spec"), "template"), "metadata"), "labels");
        var api = Environment(Container(Deployment("caas-api")));

        Assert.Equal(Scalar(labels, "orleans/serviceId"), Value(api["Orleans__ServiceId"]));
        Assert.Equal(Scalar(labels, "orleans/clusterId"), Value(api["Orleans__ClusterId"]));
        Assert.DoesNotContain("Orleans__Kubernetes", api.Keys);
    }

    [Theory]
    [InlineData("caas-silo")]
    [InlineData("caas-api")]
    public void DEP_1_readiness_and_liveness_probe_the_health_endpoints_on_the_port_the_host_listens_on(string name)
    {
        var container = Container(Deployment(name));
        var listens = new Uri(Value(Environment(container)["ASPNETCORE_URLS"])).Port;
        var ports = Sequence(container, "ports").Cast<YamlMappingNode>().ToDictionary(port => Scalar(port, "name"), port => Scalar(port, "containerPort"));

        foreach (var (probe, path) in new[] { ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live") })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Scalar(get, "path"));
            Assert.Equal(listens.ToString(System.Globalization.CultureInfo.InvariantCulture), ports[Scalar(get, "port")]);
        }
    }

    [Fact]
    public void DEP_1_a_disruption_budget_keeps_a_silo_through_voluntary_disruptions()
    {
        var budget = Documents.Single(document => Kind(document) == "PodDisruptionBudget");
        var selector = Map(Map(Map(budget, "spec"), "selector"), "matchLabels");
        var siloLabels = Map(Map(Map(Map(Deployment("caas-silo"), "spec"), "template"), "metadata"), "labels");

        Assert.All(selector.Children, label => Assert.Equal(Scalar(label.Value), Scalar(siloLabels, Scalar(label.Key))));
        Assert.Equal("1", Scalar(Map(budget, "spec"), "maxUnavailable"));
    }

    [Fact]
    public void DEP_1_the_only_Service_is_the_API_host_s()
    {
        var service = Assert.Single(Documents, document => Kind(document) == "Service");
        var selector = Map(Map(service, "spec"), "selector");
        var apiLabels = Map(Map(Map(Map(Deployment("caas-api"), "spec"), "template"), "metadata"), "labels");

        Assert.All(selector.Children, label => Assert.Equal(Scalar(label.Value), Scalar(apiLabels, Scalar(label.Key))));
        Assert.Equal("http", Scalar(Assert.Single(Sequence(Map(service, "spec"), "ports").Cast<YamlMappingNode>()), "targetPort"));
    }

    [Fact]
    public void SEC_5_every_secret_is_a_Secret_reference_never_a_literal()
    {
        var containers = Documents.Where(document => Kind(document) is "Deployment" or "Job").Select(Container).ToList();
        var secretsSeen = 0;
        foreach (var (name, entry) in containers.SelectMany(Environment))
        {
            if (SecretSettings.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                Assert.False(entry.Children.ContainsKey("value"), $"{name} is a literal");
                Assert.False(string.IsNullOrWhiteSpace(Scalar(Map(Map(entry, "valueFrom"), "secretKeyRef"), "name")), $"{name} is not a secretKeyRef");
                secretsSeen++;
            }
        }

        // A manifest that dropped a secret the hosts need would pass the loop above: the count says none was.
        var given = containers.SelectMany(Environment).Select(entry => entry.Key).ToHashSet();
        // The sandbox's own secrets (its issuer's clients) belong to the demo overlay, never to production.
        Assert.All(DevelopmentSecrets.HashBySetting.Keys.Where(setting => !setting.StartsWith("Sandbox:", StringComparison.Ordinal))
            .Select(setting => setting.Replace(":", "__", StringComparison.Ordinal)), setting => Assert.Contains(setting, given));
        Assert.True(secretsSeen >= 18, $"only {secretsSeen} secret settings found");
        Assert.DoesNotContain(Documents, document => Kind(document) == "Secret");
    }

    [Theory]
    [InlineData("caas-silo")]
    [InlineData("caas-api")]
    public void Orleans_TLS_certificate_key_and_CA_come_from_a_mounted_Secret(string name)
    {
        var deployment = Deployment(name);
        var container = Container(deployment);
        var environment = Environment(container);
        var mounts = Sequence(container, "volumeMounts").Cast<YamlMappingNode>().ToDictionary(mount => Scalar(mount, "name"), mount => Scalar(mount, "mountPath"));
        var volumes = Sequence(Map(Map(Map(deployment, "spec"), "template"), "spec"), "volumes").Cast<YamlMappingNode>().ToDictionary(volume => Scalar(volume, "name"));

        foreach (var setting in new[] { "Orleans__Tls__CertificatePath", "Orleans__Tls__KeyPath", "Orleans__Tls__CaPath" })
        {
            var path = Value(environment[setting]);
            var (volume, mountPath) = Assert.Single(mounts, mount => path.StartsWith(mount.Value + "/", StringComparison.Ordinal));
            var secret = Map(volumes[volume], "secret");
            Assert.False(string.IsNullOrWhiteSpace(Scalar(secret, "secretName")));
            Assert.False(secret.Children.ContainsKey("optional") && Scalar(secret, "optional") == "true", $"{setting} from an optional Secret");
            Assert.NotEmpty(mountPath);
        }
    }

    [Fact]
    public void DEP_1_a_Job_migrates_the_schema_with_the_connection_string_from_a_Secret()
    {
        var job = Assert.Single(Documents, document => Kind(document) == "Job");
        var container = Container(job);

        Assert.Equal("migrate", Sequence(container, "command").Select(Scalar).Last());
        Assert.Contains(Scalar(Map(Map(Map(job, "spec"), "template"), "spec"), "restartPolicy"), new[] { "Never", "OnFailure" });
        Assert.NotNull(Map(Map(Environment(container)["ConnectionStrings__Caas"], "valueFrom"), "secretKeyRef"));
    }

    [Fact]
    public void DEP_1_Orleans_Kubernetes_hosting_is_switched_on_by_configuration_only()
    {
        static bool UsesKubernetesHosting(bool kubernetes)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development, DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Caas"] = "Host=127.0.0.1;Port=1;Username=caas;Password=unused;Database=caas",
                [SiloConfiguration.KubernetesSetting] = kubernetes ? "true" : null,
            });
            builder.UseOrleans(silo => silo.AddCaaS(builder.Configuration));
            return builder.Services.Any(service => service.ImplementationType?.FullName == "Orleans.Hosting.Kubernetes.KubernetesClusterAgent");
        }

        Assert.True(UsesKubernetesHosting(kubernetes: true));
        Assert.False(UsesKubernetesHosting(kubernetes: false));
    }

    private static List<YamlMappingNode> Load()
    {
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(Folder, "*.yaml").Order())
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            documents.AddRange(stream.Documents.Select(document => (YamlMappingNode)document.RootNode));
        }

        return documents;
    }

    private static YamlMappingNode Deployment(string name) => Documents.Single(document => Kind(document) == "Deployment" && Name(document) == name);

    private static YamlMappingNode Container(YamlMappingNode workload) =>
        Assert.Single(Sequence(Map(Map(Map(workload, "spec"), "template"), "spec"), "containers").Cast<YamlMappingNode>());

    private static Dictionary<string, YamlMappingNode> Environment(YamlMappingNode container) =>
        Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(entry => Scalar(entry, "name"));

    private static string Value(YamlMappingNode entry) => Scalar(entry, "value");

    private static string FieldRef(YamlMappingNode entry) => Scalar(Map(Map(entry, "valueFrom"), "fieldRef"), "fieldPath");

    private static string? Kind(YamlMappingNode document) => document.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) ? Scalar(kind) : null;

    private static string Name(YamlMappingNode document) => Scalar(Map(document, "metadata"), "name");

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) => (YamlSequenceNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => Scalar(node.Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
}
