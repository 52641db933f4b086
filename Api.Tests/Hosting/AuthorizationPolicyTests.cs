using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>Every endpoint declares who may call it; only sign-up, sign-in, health and docs are anonymous.</summary>
public sealed class AuthorizationPolicyTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    private static readonly string[] AnonymousByDesign =
    [
        "POST /v1/auth/register",
        "POST /v1/auth/token",
        "POST /v1/auth/revoke",
        "GET /health/live",
        "GET /health/ready",
    ];

    [Fact]
    public void Every_api_endpoint_names_a_policy_or_is_deliberately_anonymous()
    {
        var operations = EndpointCatalog.ApiOperations(app.Services);

        var anonymous = operations.Where(o => o.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(o => $"{o.Method} {o.Route}");
        var withoutPolicy = operations.Where(o => o.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
            && !o.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Policy) || !string.IsNullOrEmpty(a.Roles)))
            .Select(o => $"{o.Method} {o.Route}");

        Assert.Equal(AnonymousByDesign.Order(), anonymous.Order());
        Assert.Empty(withoutPolicy);
    }

    [Fact]
    public void The_documentation_endpoints_are_anonymous()
    {
        var docs = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("openapi", StringComparison.Ordinal)
                || e.RoutePattern.RawText!.TrimStart('/').StartsWith("scalar", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(docs);
        Assert.All(docs, endpoint => Assert.NotNull(endpoint.Metadata.GetMetadata<IAllowAnonymous>()));
    }
}

/// <summary>
/// The README's role × endpoint matrix is generated from the running endpoint list: a new or
/// changed endpoint fails this test until the README says who may call it.
/// </summary>
public sealed class RoleMatrixTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    private const string Start = "<!-- role-matrix:start -->";
    private const string End = "<!-- role-matrix:end -->";

    [Fact]
    public void The_readme_role_matrix_matches_the_endpoints()
    {
        var rows = EndpointCatalog.ApiOperations(app.Services)
            .OrderBy(o => o.Route, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal)
            .Select(o => $"| `{o.Method} {o.Route}` | {Marks(Audience(o.Endpoint))} |");
        var expected = string.Join('\n', [
            "| endpoint | anonymous | customer | operator | admin | client `ledger:read` | client `ledger:write` |",
            "|---|:-:|:-:|:-:|:-:|:-:|:-:|",
            .. rows]);

        var readme = File.ReadAllText(Path.Combine(Support.Repository.Root(), "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md needs the matrix between {Start} and {End}:\n{expected}");
        var actual = readme[(start + Start.Length)..end].Trim();

        Assert.True(expected == actual, $"README.md's role matrix is out of date; it should read:\n{expected}");
    }

    private static string Audience(Microsoft.AspNetCore.Http.Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return "anonymous";
        }

        return endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null)
            ?? throw new InvalidOperationException($"{endpoint.DisplayName} names no policy.");
    }

    private static string Marks(string audience)
    {
        string[] callers = audience switch
        {
            "anonymous" => ["anonymous", "customer", "operator", "admin", "ledger:read", "ledger:write"],
            "customer" => ["customer", "operator", "admin"],
            "ledger:read" => ["customer", "operator", "admin", "ledger:read"],
            "ledger:write" => ["customer", "operator", "admin", "ledger:write"],
            "staff" => ["operator", "admin"],
            "admin" => ["admin"],
            _ => throw new InvalidOperationException($"Unknown policy '{audience}': add it to the matrix."),
        };
        return string.Join(" | ", new[] { "anonymous", "customer", "operator", "admin", "ledger:read", "ledger:write" }.Select(caller => callers.Contains(caller) ? "✓" : ""));
    }
}
