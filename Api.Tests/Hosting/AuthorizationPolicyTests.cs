using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Api.Tests.Hosting;

/// <summary>Every endpoint declares who may call it; only sign-up, sign-in, health and docs are anonymous.</summary>
public sealed class AuthorizationPolicyTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    private static readonly string[] AnonymousByDesign =
    [
        "POST /v1/auth/register",
        "POST /v1/auth/token",
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
