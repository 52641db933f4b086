using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

public sealed class ApiDocsTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_the_service_maps()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet();
        var mapped = EndpointCatalog.ApiOperations(app.Services).Select(e => $"{e.Method} {e.Route}").ToHashSet();
        Assert.NotEmpty(mapped);
        Assert.Equal(mapped.Order(), documented.Order());
    }

    [Fact]
    public async Task Every_property_of_every_schema_has_a_type_a_generated_client_can_use()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);

        // An empty schema ({}) is "anything": what a custom JSON converter makes of a string member.
        var untyped = document.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .Where(schema => schema.Value.TryGetProperty("properties", out _))
            .SelectMany(schema => schema.Value.GetProperty("properties").EnumerateObject()
                .Where(property => !property.Value.TryGetProperty("type", out _) && !property.Value.TryGetProperty("$ref", out _)
                    && !property.Value.TryGetProperty("oneOf", out _) && !property.Value.TryGetProperty("anyOf", out _))
                .Select(property => $"{schema.Name}.{property.Name}"))
            .ToList();
        Assert.True(untyped.Count == 0, "Untyped: " + string.Join(", ", untyped));
        var transfer = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateTransferRequest").GetProperty("properties");
        Assert.Equal("string", transfer.GetProperty("fromAccountId").GetProperty("type").GetString());
        Assert.Equal("string", transfer.GetProperty("metadata").GetProperty("additionalProperties").GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_openapi_document_names_bearer_and_password_flow_security()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("/v1/auth/token", schemes.GetProperty("OAuth2").GetProperty("flows").GetProperty("password").GetProperty("tokenUrl").GetString());

        var paths = document.GetProperty("paths");
        var openAccount = paths.GetProperty("/v1/accounts").GetProperty("post");
        Assert.True(openAccount.TryGetProperty("security", out _));
        Assert.True(openAccount.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(openAccount.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(openAccount.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        var register = paths.GetProperty("/v1/auth/register").GetProperty("post");
        Assert.False(register.TryGetProperty("security", out _));
        Assert.True(register.GetProperty("responses").TryGetProperty("409", out _));
        var token = paths.GetProperty("/v1/auth/token").GetProperty("post");
        Assert.True(token.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/x-www-form-urlencoded", out _));
    }

    [Fact]
    public async Task The_scalar_reference_is_served_and_signs_in_with_the_password_flow()
    {
        var client = app.CreateClient();

        var page = await client.GetAsync("/scalar/");
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var script = await client.GetAsync("/scalar/scalar.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Strongroom API", html);
        Assert.Contains("/v1/auth/token", html);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}

public sealed class DocsDisabledTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task Without_docs_enabled_there_is_no_scalar_page_but_still_an_openapi_document()
    {
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scalar/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
    }
}

/// <summary>The API operations the running service maps (not the documentation endpoints themselves).</summary>
public static class EndpointCatalog
{
    public sealed record Operation(string Method, string Route, Endpoint Endpoint);

    public static IReadOnlyList<Operation> ApiOperations(IServiceProvider services) =>
        [.. services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
            .SelectMany(endpoint => endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods
                .Select(method => new Operation(method, "/" + endpoint.RoutePattern.RawText!.Trim('/'), endpoint)))
            .Where(operation => !operation.Route.StartsWith("/openapi", StringComparison.Ordinal)
                && !operation.Route.StartsWith("/scalar", StringComparison.Ordinal))];
}
