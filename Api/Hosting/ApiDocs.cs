using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Strongroom.Features.Identity;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Api.Hosting;

/// <summary>
/// The OpenAPI 3.1 document at <c>/openapi/v1.json</c> (always served) and the Scalar reference at
/// <c>/scalar</c> (when <c>Api:Docs:Enabled</c>; by default in Development and the embedded default).
/// The document names both ways to authenticate: a bearer JWT, and the OAuth2 password flow
/// against the token endpoint, which lets Scalar sign in by itself. What a generated client must be
/// able to trust is said generically: one <c>Problem</c> schema for every error
/// (<see cref="ApiDocsProblems"/>), the response headers (<see cref="ApiDocsHeaders"/>), and the
/// schema details the generator does not know (<see cref="ApiDocsSchemas"/>).
/// </summary>
public static class ApiDocs
{
    public const string BearerScheme = "Bearer";
    public const string OAuth2Scheme = "OAuth2";

    /// <summary>What each tag groups, for the reference's navigation and generated clients' docs.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Health"] = "Liveness and readiness probes for orchestrators and load balancers; anonymous.",
        ["Identity"] = "Registration, OAuth 2.0 tokens (password, client credentials, refresh) and the caller's second factor.",
        ["Accounts"] = "The caller's accounts, their balances and their entries.",
        ["Transfers"] = "Money movement: transfers, holds and their capture or void, reversals, deposits and withdrawals. Every call needs an Idempotency-Key.",
        ["Approvals"] = "Dual control: staff deposits, withdrawals and reversals at or above their currency's threshold, waiting for a second member of staff to approve or reject them.",
        ["Administration"] = "Staff operations on accounts and ledger-wide checks.",
        ["Users"] = "Admin management of users: status and roles.",
        ["Profiles"] = "The caller's own profile.",
        ["Audit"] = "The tamper-evident audit log and its verification.",
        ["Service clients"] = "OAuth 2.0 clients for machine-to-machine access (client credentials grant).",
        ["Events"] = "What happened in the ledger, in commit order: transfers and account changes, each with the resource as it was right after the change.",
        ["Exchanges"] = "Currency exchange: the rates staff set per currency pair (exact decimal strings), and exchanges between a caller's accounts of two currencies at the current rate. Exchanges need an Idempotency-Key.",
        ["Webhooks"] = "Endpoints that receive the caller's events as they happen, signed per Standard Webhooks 1.0, and their delivery attempts.",
    };

    public static IServiceCollection AddStrongroomApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Strongroom API",
                    Version = "v1",
                    Description = "Banking backend: accounts and money movement. Amounts are 64-bit integers in minor units of an ISO 4217 currency. Errors are RFC 9457 problem details (the `Problem` schema) with a stable `code` and the `traceId`.",
                    // The repository names no public licence or support address; these say so rather than invent one.
                    Contact = new OpenApiContact { Name = "Strongroom maintainers" },
                    License = new OpenApiLicense { Name = "Proprietary: all rights reserved", Identifier = "LicenseRef-Proprietary" },
                };
                // The generator writes the request's base URL with a trailing slash; every path starts with one.
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
                    {
                        tag.Description = description;
                    }
                }

                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "An access token from POST /v1/auth/token.",
                };
                document.Components.SecuritySchemes[OAuth2Scheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.OAuth2,
                    Description = "OAuth 2.0 password grant: your email and password.",
                    Flows = new OpenApiOAuthFlows
                    {
                        Password = new OpenApiOAuthFlow { TokenUrl = new Uri(IssueToken.Path, UriKind.Relative), Scopes = new Dictionary<string, string>() },
                    },
                };
                return Task.CompletedTask;
            });
            // An event's data (a JsonElement) is described where it is used, not as a "JsonElement" component.
            options.CreateSchemaReferenceId = type =>
                type.Type == typeof(System.Text.Json.JsonElement) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddSchemaTransformer(ApiDocsSchemas.TransformAsync);
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                operation.Responses ??= [];
                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    // Says "no credentials" outright, rather than leaving it to the reader.
                    operation.Security = [];
                }
                else
                {
                    // Everything else needs a token (the fallback policy guarantees it even without metadata).
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2Scheme, context.Document)] = [] });
                    operation.Responses.TryAdd("401", ApiDocsProblems.Response("No valid access token.", context.Document));
                    operation.Responses.TryAdd("403", ApiDocsProblems.Response("The token's roles or scopes do not allow this.", context.Document));
                }

                ApiDocsProblems.AddServiceRefusals(operation, metadata, context.Document);
                ApiDocsParameters.Describe(operation, context.Description.RelativePath);
                ApiDocsHeaders.Add(operation, metadata, context.Document);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer(ApiDocsProblems.UseOneProblemSchema);
            options.AddDocumentTransformer(ApiDocsHeaders.AddComponents);
        });

    public static WebApplication MapStrongroomApiDocs(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();

        var enabled = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.Docs.Enabled
            ?? (app.Environment.IsDevelopment() || app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.IsEmbeddedDefault);
        if (enabled)
        {
            // The page runs under a same-origin CSP (Hardening): nothing it needs may come from
            // Scalar's cloud. System fonts instead of its CDN's, and none of the cloud features
            // (the developer toolbar's share/SDK/deploy, the AI agent, MCP, request telemetry).
            app.MapScalarApiReference("/scalar", options => options
                .WithTitle("Strongroom API")
                .AddPreferredSecuritySchemes([OAuth2Scheme])
                .AddPasswordFlow(OAuth2Scheme, flow => flow.WithTokenUrl(IssueToken.Path))
                .DisableDefaultFonts()
                .HideDeveloperTools()
                .DisableAgent()
                .DisableMcp()
                .DisableTelemetry())
                .AllowAnonymous();
        }

        return app;
    }
}
