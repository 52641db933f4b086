using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
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
/// against the token endpoint, which lets Scalar sign in by itself.
/// </summary>
public static class ApiDocs
{
    public const string BearerScheme = "Bearer";
    public const string OAuth2Scheme = "OAuth2";

    public static IServiceCollection AddStrongroomApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Strongroom API",
                    Version = "v1",
                    Description = "Banking backend: accounts and money movement. Amounts are 64-bit integers in minor units of an ISO 4217 currency. Errors are RFC 9457 problem details with a stable `code`.",
                };
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
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    return;
                }

                // Everything else needs a token (the fallback policy guarantees it even without metadata).
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2Scheme, context.Document)] = [] });

                var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), cancellationToken: cancellationToken);
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", ProblemResponse("No valid access token.", problem));
                operation.Responses.TryAdd("403", ProblemResponse("The token's roles do not allow this.", problem));
            });
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

    private static OpenApiResponse ProblemResponse(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };
}
