using System.Text.RegularExpressions;
using Strongroom.Api.Tests.Support;
using Strongroom.Features;

namespace Strongroom.Api.Tests.Deploy;

/// <summary>
/// <c>compose.yaml</c> read as docker compose reads it (anchors and merge keys resolved). No Docker
/// engine runs here, so this checks what can be checked without one: what each service is given,
/// waits for and mounts.
/// </summary>
public sealed partial class ComposeTests
{
    private static readonly string Root = Repository.Root();
    private static readonly Dictionary<string, object?> Compose = Yaml.Load(Path.Combine(Root, "compose.yaml"));
    private static readonly Dictionary<string, object?> Services = Compose.Map("services");

    private static IEnumerable<(string Name, Dictionary<string, object?> Service)> All =>
        Services.Select(entry => (entry.Key, (Dictionary<string, object?>)entry.Value!));

    /// <summary>The long-running API replicas: the service's image, not the one-shot migration.</summary>
    private static List<(string Name, Dictionary<string, object?> Service)> ApiReplicas =>
        [.. All.Where(s => s.Service.Text("image") == "strongroom:local" && s.Service.List("command").Count == 0)];

    [Fact]
    public void Every_image_is_pinned_to_a_version_or_built_from_this_repository()
    {
        foreach (var (name, service) in All)
        {
            var image = service.Text("image");
            Assert.False(image is null, $"{name} names no image");
            if (service.ContainsKey("build"))
            {
                Assert.Equal("strongroom:local", image);
                continue;
            }

            var tag = image.Contains('@', StringComparison.Ordinal) ? "digest" : image.Split('/')[^1].Split(':') is [_, var t] ? t : "";
            Assert.True(tag == "digest" || (VersionTag().IsMatch(tag) && !tag.Contains("latest", StringComparison.OrdinalIgnoreCase)),
                $"{name}: {image} is not pinned to a version");
        }
    }

    [Fact]
    public void Every_api_replica_and_the_migration_get_the_shared_keys_from_the_same_source()
    {
        string[] shared = ["Auth__SigningKey", "Security__DataKeys__0__Id", "Security__DataKeys__0__Key", "Security__BlindIndexKey", "Bootstrap__AdminEmail"];
        var takers = ApiReplicas.Append(("migrate", Services.Map("migrate"))).ToList();
        Assert.True(ApiReplicas.Count >= 2, "fewer than two API replica sets");
        foreach (var key in shared)
        {
            var values = takers.Select(t => t.Item2.Map("environment").Text(key)).Distinct().ToList();
            var value = Assert.Single(values);
            // A reference to .env, never a key written into the file.
            Assert.Matches(@"^\$\{[A-Z_]+:\?[^}]*\}$|^compose-1$", value);
        }

        foreach (var (name, service) in ApiReplicas)
        {
            var environment = service.Map("environment");
            Assert.Equal("true", environment.Text("Cluster__Enabled"));
            Assert.NotNull(environment.Text("Redis__Configuration"));
            Assert.Equal("SqlServer", environment.Text("Database__Provider"));
        }
    }

    [Fact]
    public void Every_secret_comes_from_the_ignored_env_file_whose_example_names_every_variable()
    {
        var text = File.ReadAllText(Path.Combine(Root, "compose.yaml"));
        var example = File.ReadAllLines(Path.Combine(Root, "deploy", "compose.env.example"))
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#')).Select(line => line.Split('=')[0]).ToHashSet();
        var referenced = Variable().Matches(text).Select(match => match.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(referenced);
        Assert.Empty(referenced.Except(example));
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(Root, ".gitignore")));
        // No password or key written out in compose.yaml itself.
        Assert.DoesNotMatch(@"(?i)password=(?!\$\{)", text);
    }

    [Fact]
    public void Every_long_running_service_has_a_health_check_and_the_api_is_checked_on_readiness()
    {
        // The dashboard's image has no shell or HTTP client to run a check with; the one-shot services exit.
        string[] without = ["aspire-dashboard"];
        foreach (var (name, service) in All.Where(s => s.Service.Text("restart") != "no" && !without.Contains(s.Name)))
        {
            var test = service.MapOrNull("healthcheck")?.List("test");
            Assert.True(test is { Count: > 1 }, $"{name} has no health check");
        }

        foreach (var (name, service) in ApiReplicas)
        {
            Assert.Equal(["CMD", "/app/strongroom", "probe", "http://127.0.0.1:8080/health/ready"], service.Map("healthcheck").List("test").Cast<string>());
        }
    }

    [Fact]
    public void The_replicas_wait_for_the_migration_which_runs_with_the_ddl_login_while_they_run_with_the_least_privileged_one()
    {
        var migrate = Services.Map("migrate");
        Assert.Equal(["migrate"], migrate.List("command").Cast<string>());
        Assert.Equal("no", migrate.Text("restart"));
        Assert.Contains("User Id=strongroom_migrator;", migrate.Map("environment").Text("ConnectionStrings__Strongroom"), StringComparison.Ordinal);
        Assert.Equal("service_completed_successfully", migrate.Map("depends_on").Map("db-init").Text("condition"));
        Assert.Contains("deploy/sql/logins.sql", string.Join(' ', Services.Map("db-init").List("volumes")), StringComparison.Ordinal);
        foreach (var (name, service) in ApiReplicas)
        {
            Assert.Equal("service_completed_successfully", service.Map("depends_on").Map("migrate").Text("condition"));
            Assert.Contains("User Id=strongroom_api;", service.Map("environment").Text("ConnectionStrings__Strongroom"), StringComparison.Ordinal);
            Assert.Equal("false", service.Map("environment").Text("Database__MigrateOnStartup"));
        }

        // The login script grants the service rows only; DDL to the migrator alone.
        var sql = File.ReadAllText(Path.Combine(Root, "deploy", "sql", "logins.sql"));
        var statements = sql.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.Contains(statements, line => line.Contains("GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA::dbo TO strongroom_api", StringComparison.Ordinal));
        Assert.DoesNotContain(statements, line => line.Contains("strongroom_api", StringComparison.Ordinal)
            && Regex.IsMatch(line, @"db_owner|db_ddladmin|CONTROL|ALTER ROLE|GRANT (ALTER|EXECUTE|REFERENCES)"));
        Assert.Contains(statements, line => line.Contains("ALTER ROLE db_ddladmin ADD MEMBER strongroom_migrator", StringComparison.Ordinal));
    }

    [Fact]
    public void The_module_sets_cover_every_module_once_and_nginx_sends_the_ledger_paths_to_the_ledger_set()
    {
        var sets = ApiReplicas.ToDictionary(s => s.Name, s => s.Service.Map("environment").Text("Modules__Enabled")!.Split(',').ToList());
        var listed = sets.Values.SelectMany(set => set).ToList();
        Assert.Equal(Modules.All.Order(), listed.Order());
        Assert.Equal(["Accounts", "Transfers"], sets["api-ledger"].Order());

        var nginx = File.ReadAllText(Path.Combine(Root, "deploy", "nginx", "compose.conf"));
        Assert.Matches(@"upstream strongroom_ledger \{\s*server api-ledger:8080", nginx);
        Assert.Matches(@"upstream strongroom \{\s*server api-people:8080", nginx);
        Assert.Equal(sets.Keys.Order(), new[] { "api-ledger", "api-people" });
    }

    [Fact]
    public void Nginx_mounts_the_proxy_and_retry_policy_that_scripts_cluster_includes()
    {
        var volumes = Services.Map("nginx").List("volumes").Cast<string>().ToList();
        Assert.Contains("./deploy/nginx/strongroom-proxy.conf:/etc/nginx/strongroom-proxy.conf:ro", volumes);
        Assert.Contains("./deploy/nginx/compose.conf:/etc/nginx/nginx.conf:ro", volumes);
        Assert.Contains("include /etc/nginx/strongroom-proxy.conf;", File.ReadAllText(Path.Combine(Root, "deploy", "nginx", "compose.conf")), StringComparison.Ordinal);
        Assert.Contains("include $root/deploy/nginx/strongroom-proxy.conf;", File.ReadAllText(Path.Combine(Root, "scripts", "cluster")), StringComparison.Ordinal);

        // The policy itself: money movement is resent after a lost answer, nothing else is.
        var policy = File.ReadAllText(Path.Combine(Root, "deploy", "nginx", "strongroom-proxy.conf"));
        Assert.Matches(@"location ~ \^/v1/\(transfers\|deposits\|withdrawals\)\(/\|\$\) \{\s*proxy_pass http://strongroom_ledger;\s*proxy_next_upstream error timeout http_502 http_503 non_idempotent;", policy);
        Assert.Single(policy.Split('\n'), line => !line.TrimStart().StartsWith('#') && line.Contains("non_idempotent", StringComparison.Ordinal));

        // The proxy nginx is the one the replicas believe forwarded headers from.
        var address = Services.Map("nginx").Map("networks").Map("backend").Text("ipv4_address");
        Assert.All(ApiReplicas, s => Assert.Equal(address, s.Service.Map("environment").Text("Api__KnownProxies__0")));
    }

    [GeneratedRegex(@"^\d+(\.\d+)*(-[A-Za-z0-9.\-]+)?$|^\d{4}-CU\d+-[a-z0-9.\-]+$")]
    private static partial Regex VersionTag();

    [GeneratedRegex(@"\$\{([A-Z_][A-Z0-9_]*)(:?[?\-][^}]*)?\}")]
    private static partial Regex Variable();
}
