using Strongroom.Api.Tests.Support;
using Strongroom.Features;

namespace Strongroom.Api.Tests.Deploy;

/// <summary>The manifests under <c>deploy/k8s/</c>, parsed: what the cluster would be told to run. No cluster runs here.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly List<Dictionary<string, object?>> Manifests =
        [.. Directory.GetFiles(Path.Combine(Repository.Root(), "deploy", "k8s"), "*.yaml").Order().SelectMany(Yaml.LoadDocuments)];

    private static IEnumerable<Dictionary<string, object?>> Kind(string kind) => Manifests.Where(m => m.Text("kind") == kind);

    private static string Name(Dictionary<string, object?> manifest) => manifest.Map("metadata").Text("name")!;

    private static Dictionary<string, object?> Container(Dictionary<string, object?> workload) =>
        (Dictionary<string, object?>)Assert.Single(workload.At("spec.template.spec").List("containers"))!;

    private static Dictionary<string, object?>? Env(Dictionary<string, object?> container, string name) =>
        container.List("env").Cast<Dictionary<string, object?>>().SingleOrDefault(e => e.Text("name") == name);

    private static Dictionary<string, string> PodLabels(Dictionary<string, object?> workload) =>
        workload.At("spec.template.metadata.labels").ToDictionary(e => e.Key, e => (string)e.Value!);

    [Fact]
    public void One_deployment_per_module_set_covers_every_module_once()
    {
        var sets = Kind("Deployment").Select(d => Env(Container(d), "Modules__Enabled")!.Text("value")!.Split(',')).ToList();
        Assert.True(sets.Count >= 2);
        Assert.Equal(Modules.All.Order(), sets.SelectMany(set => set).Order());
    }

    [Fact]
    public void Every_deployment_is_probed_on_the_health_endpoints_and_stops_within_its_grace_period()
    {
        var config = Assert.Single(Kind("ConfigMap")).Map("data");
        var shutdownTimeout = TimeSpan.Parse(config.Text("Hosting__ShutdownTimeout")!, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var deployment in Kind("Deployment"))
        {
            var container = Container(deployment);
            Assert.Equal("/health/ready", container.At("readinessProbe.httpGet").Text("path"));
            Assert.Equal("/health/live", container.At("livenessProbe.httpGet").Text("path"));
            Assert.Equal("8080", ((Dictionary<string, object?>)container.List("ports")[0]!).Text("containerPort"));
            var grace = int.Parse(deployment.At("spec.template.spec").Text("terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(TimeSpan.FromSeconds(grace) > shutdownTimeout, $"{Name(deployment)}: SIGKILL would come before Hosting:ShutdownTimeout");
        }
    }

    [Fact]
    public void Every_pod_runs_as_the_images_non_root_user_with_nothing_to_escalate_to()
    {
        foreach (var workload in Kind("Deployment").Concat(Kind("Job")))
        {
            var pod = workload.At("spec.template.spec");
            Assert.Equal("true", pod.Map("securityContext").Text("runAsNonRoot"));
            Assert.Equal("1654", pod.Map("securityContext").Text("runAsUser"));
            Assert.Equal("false", pod.Text("automountServiceAccountToken"));
            var security = Container(workload).Map("securityContext");
            Assert.Equal("false", security.Text("allowPrivilegeEscalation"));
            Assert.Equal("true", security.Text("readOnlyRootFilesystem"));
            Assert.Equal(["ALL"], security.Map("capabilities").List("drop").Cast<string>());
        }
    }

    [Fact]
    public void Secrets_are_referenced_never_written_and_every_pod_takes_the_keys_from_the_same_secret()
    {
        Assert.Empty(Kind("Secret"));
        string[] secret = ["Auth__SigningKey", "Security__DataKeys__0__Key", "Security__BlindIndexKey", "Bootstrap__AdminPassword", "ConnectionStrings__Strongroom", "Redis__Configuration"];
        Assert.DoesNotContain(Kind("ConfigMap").SelectMany(c => c.Map("data").Keys), key => secret.Contains(key));
        foreach (var workload in Kind("Deployment").Concat(Kind("Job")))
        {
            var container = Container(workload);
            foreach (var name in secret)
            {
                Assert.Null(Env(container, name)?.Text("value"));
            }

            var sources = container.List("envFrom").Cast<Dictionary<string, object?>>().ToList();
            Assert.Contains(sources, s => s.MapOrNull("secretRef")?.Text("name") == "strongroom-keys");
            Assert.Contains(sources, s => s.MapOrNull("configMapRef")?.Text("name") == "strongroom");
            Assert.Equal("strongroom-db", Env(container, "ConnectionStrings__Strongroom")!.At("valueFrom.secretKeyRef").Text("name"));
        }
    }

    [Fact]
    public void The_migration_job_uses_the_ddl_login_and_the_deployments_the_least_privileged_one()
    {
        var job = Assert.Single(Kind("Job"));
        Assert.Equal(["migrate"], Container(job).List("args").Cast<string>());
        Assert.Equal("Never", job.At("spec.template.spec").Text("restartPolicy"));
        Assert.Equal("migrator-connection-string", Env(Container(job), "ConnectionStrings__Strongroom")!.At("valueFrom.secretKeyRef").Text("key"));
        Assert.Equal("false", Assert.Single(Kind("ConfigMap")).Map("data").Text("Database__MigrateOnStartup"));
        Assert.All(Kind("Deployment"), d => Assert.Equal("api-connection-string", Env(Container(d), "ConnectionStrings__Strongroom")!.At("valueFrom.secretKeyRef").Text("key")));
    }

    [Fact]
    public void Every_deployment_has_a_disruption_budget_and_the_transaction_set_an_autoscaler()
    {
        foreach (var deployment in Kind("Deployment"))
        {
            var labels = PodLabels(deployment);
            var budgets = Kind("PodDisruptionBudget").Where(p => p.At("spec.selector.matchLabels").All(l => labels.GetValueOrDefault(l.Key) == (string?)l.Value)).ToList();
            var budget = Assert.Single(budgets);
            var replicas = int.Parse(deployment.Map("spec").Text("replicas")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(int.Parse(budget.Map("spec").Text("minAvailable")!, System.Globalization.CultureInfo.InvariantCulture) < replicas, $"{Name(deployment)}: the budget would block every drain");
        }

        var hpa = Assert.Single(Kind("HorizontalPodAutoscaler"));
        var target = Kind("Deployment").Single(d => Name(d) == hpa.At("spec.scaleTargetRef").Text("name"));
        Assert.Equal(["Accounts", "Transfers"], Env(Container(target), "Modules__Enabled")!.Text("value")!.Split(',').Order());
    }

    [Fact]
    public void The_ingress_sends_module_paths_to_their_set_and_resends_only_money_movement_after_a_lost_answer()
    {
        var services = Kind("Service").ToDictionary(Name, s => s.At("spec.selector").ToDictionary(e => e.Key, e => (string?)e.Value));
        string ModulesBehind(string service) => Env(Container(Kind("Deployment").Single(d =>
            services[service].All(l => PodLabels(d).GetValueOrDefault(l.Key) == l.Value))), "Modules__Enabled")!.Text("value")!;

        foreach (var ingress in Kind("Ingress"))
        {
            var nonIdempotent = ingress.Map("metadata").Map("annotations").Text("nginx.ingress.kubernetes.io/proxy-next-upstream")!.Contains("non_idempotent", StringComparison.Ordinal);
            var rule = (Dictionary<string, object?>)Assert.Single(ingress.Map("spec").List("rules"))!;
            foreach (var path in rule.Map("http").List("paths").Cast<Dictionary<string, object?>>())
            {
                var route = path.Text("path")!;
                var modules = ModulesBehind(path.At("backend.service").Text("name")!);
                var moneyMovement = route is "/v1/transfers" or "/v1/deposits" or "/v1/withdrawals";
                Assert.Equal(moneyMovement, nonIdempotent);
                if (route.StartsWith("/v1/accounts", StringComparison.Ordinal) || moneyMovement)
                {
                    Assert.Contains(route == "/v1/accounts" ? "Accounts" : "Transfers", modules.Split(','));
                }
            }
        }
    }
}
