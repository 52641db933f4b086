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
        Assert.Equal(0, register.GetProperty("security").GetArrayLength());
        Assert.True(register.GetProperty("responses").TryGetProperty("409", out _));
        var token = paths.GetProperty("/v1/auth/token").GetProperty("post");
        Assert.True(token.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/x-www-form-urlencoded", out _));
    }

    [Fact]
    public async Task Every_error_response_refers_to_the_one_Problem_schema_which_allows_code_and_traceId()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);

        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.False(schemas.TryGetProperty("ProblemDetails", out _));
        Assert.False(schemas.TryGetProperty("HttpValidationProblemDetails", out _));
        var problem = schemas.GetProperty("Problem");
        Assert.False(problem.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == System.Text.Json.JsonValueKind.False);
        foreach (var member in (string[])["type", "title", "status", "detail", "instance", "code", "traceId", "errors", "index"])
        {
            Assert.True(problem.GetProperty("properties").TryGetProperty(member, out _), member);
        }

        Assert.Contains("code", problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        var notProblem = new List<string>();
        foreach (var (operation, status, response) in Responses(document))
        {
            if (!response.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var media))
            {
                continue;
            }

            if (media.GetProperty("schema").TryGetProperty("$ref", out var reference) && reference.GetString() == "#/components/schemas/Problem")
            {
                continue;
            }

            notProblem.Add($"{operation} {status}");
        }

        Assert.True(notProblem.Count == 0, "Not $ref Problem: " + string.Join(", ", notProblem));
        var transfer = document.GetProperty("paths").GetProperty("/v1/transfers").GetProperty("post").GetProperty("responses");
        foreach (var status in (string[])["401", "403", "413", "415", "429", "503"])
        {
            Assert.True(transfer.TryGetProperty(status, out _), status);
        }
    }

    [Fact]
    public async Task The_idempotency_key_is_required_with_1_to_255_characters_and_described()
    {
        var document = new OpenApiDocument(await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK));

        var keyed = document.Operations().Where(o => o.In("header").Any(p => p.Name == "Idempotency-Key")).ToList();
        Assert.Equal(8, keyed.Count);
        foreach (var operation in keyed)
        {
            var key = operation.In("header").Single(p => p.Name == "Idempotency-Key");
            Assert.True(key.Required, operation.ToString());
            Assert.Equal(1, key.Schema.GetProperty("minLength").GetInt32());
            Assert.Equal(255, key.Schema.GetProperty("maxLength").GetInt32());
        }

        Assert.All(Parameters(document.Root), parameter =>
            Assert.False(string.IsNullOrWhiteSpace(parameter.TryGetProperty("description", out var d) ? d.GetString() : null), parameter.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Integers_are_integers_statuses_are_enums_and_currencies_are_iso_4217()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);
        var text = document.GetRawText();

        Assert.DoesNotContain("\"integer\",\"string\"", text.Replace(" ", "", StringComparison.Ordinal));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var amount = schemas.GetProperty("CreateTransferRequest").GetProperty("properties").GetProperty("amount");
        Assert.Equal("integer", amount.GetProperty("type").GetString());
        Assert.Equal("int64", amount.GetProperty("format").GetString());
        Assert.Equal(1, amount.GetProperty("minimum").GetInt64());
        Assert.Equal("^[A-Z]{3}$", schemas.GetProperty("CreateTransferRequest").GetProperty("properties").GetProperty("currency").GetProperty("pattern").GetString());
        Assert.Equal("^[A-Z]{3}$", schemas.GetProperty("AccountResponse").GetProperty("properties").GetProperty("currency").GetProperty("pattern").GetString());
        foreach (var (schema, member) in (ValueTuple<string, string>[])[("AccountResponse", "status"), ("TransferResponse", "status"), ("UserAdminResponse", "status"), ("MfaStatusResponse", "totp"), ("HealthResponse", "status")])
        {
            Assert.True(schemas.GetProperty(schema).GetProperty("properties").GetProperty(member).TryGetProperty("enum", out _), $"{schema}.{member}");
        }

        var token = schemas.GetProperty("TokenRequest");
        Assert.Equal(["grant_type"], token.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Anonymous_operations_say_security_none_and_the_document_names_licence_contact_and_a_clean_server()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json")).AssertJsonAsync(HttpStatusCode.OK);

        foreach (var path in (string[])["/v1/auth/register", "/v1/auth/token", "/v1/auth/revoke", "/health/live", "/health/ready"])
        {
            var operation = document.GetProperty("paths").GetProperty(path).EnumerateObject().Single().Value;
            Assert.Equal(0, operation.GetProperty("security").GetArrayLength());
        }

        Assert.All(document.GetProperty("servers").EnumerateArray(), server => Assert.False(server.GetProperty("url").GetString()!.EndsWith('/')));
        Assert.True(document.GetProperty("info").TryGetProperty("license", out _));
        Assert.True(document.GetProperty("info").TryGetProperty("contact", out _));
        Assert.All(document.GetProperty("tags").EnumerateArray(), tag => Assert.True(tag.TryGetProperty("description", out _), tag.GetProperty("name").GetString()));
        var transfer = document.GetProperty("paths").GetProperty("/v1/transfers").GetProperty("post").GetProperty("responses");
        Assert.True(transfer.GetProperty("201").GetProperty("headers").TryGetProperty("Location", out _));
        Assert.True(transfer.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.True(transfer.GetProperty("401").GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
        Assert.True(document.GetProperty("components").GetProperty("headers").TryGetProperty("Idempotency-Replayed", out _));
    }

    private static IEnumerable<(string Operation, string Status, System.Text.Json.JsonElement Response)> Responses(System.Text.Json.JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => OpenApiDocument.HttpMethods.Contains(o.Name))
                .SelectMany(operation => operation.Value.GetProperty("responses").EnumerateObject()
                    .Select(response => ($"{operation.Name.ToUpperInvariant()} {path.Name}", response.Name, response.Value))));

    private static IEnumerable<System.Text.Json.JsonElement> Parameters(System.Text.Json.JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => OpenApiDocument.HttpMethods.Contains(o.Name)))
            .SelectMany(operation => operation.Value.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : []);

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
