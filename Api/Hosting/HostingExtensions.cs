using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Strongroom.Features;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Api.Hosting;

public static class HostingExtensions
{
    public static IServiceCollection AddStrongroomJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, StrongroomJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, HostingJsonContext.Default);
            // A misspelt or unexpected member is an error, not silently ignored (no mass assignment).
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // {"amount":1,"amount":1000} or {"amount":1,"AMOUNT":1000}: a gateway in front may read the
            // first, we would read the last. Refused (400), case-insensitively like the binding itself.
            options.SerializerOptions.AllowDuplicateProperties = false;
            // No control characters or unpaired surrogates in any string of any request body.
            options.SerializerOptions.TypeInfoResolver = options.SerializerOptions.TypeInfoResolver!.WithAddedModifier(PlainText.Require);
        });

    /// <summary>
    /// Migrates when configured to. Returns whether the schema is current; when it is not (the
    /// service runs without DDL rights and nobody ran <c>strongroom migrate</c> yet), the service
    /// still starts, <c>/health/ready</c> says what is pending, and a warning is logged.
    /// </summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var migrations = app.Services.GetRequiredService<MigrationRunner>();
        if (options.MigrateOnStartup)
        {
            await migrations.ApplyAsync(app.Lifetime.ApplicationStopping);
            return true;
        }

        var pending = await migrations.PendingAsync(app.Lifetime.ApplicationStopping);
        if (pending.Count > 0)
        {
            app.Logger.LogWarning("{Count} migration(s) not applied; run `strongroom migrate`. Not ready until then.", pending.Count);
        }

        return pending.Count == 0;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        group.MapGet("/live", () => TypedResults.Ok(new HealthResponse("Healthy", [])))
            .WithName("Live").WithSummary("The process is up");
        group.MapGet("/ready", ReadyAsync)
            .WithName("Ready").WithSummary("The database answers and its schema is current")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(DatabaseReadyCheck.Tag), cancellationToken);
        var response = new HealthResponse(
            report.Status.ToString(),
            [.. report.Entries.Select(entry => new HealthCheckEntry(entry.Key, entry.Value.Status.ToString(), entry.Value.Description))]);
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(response)
            : TypedResults.Json(response, HostingJsonContext.Default.HealthResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckEntry> Checks);

public sealed record HealthCheckEntry(string Name, string Status, string? Description);

[JsonSerializable(typeof(HealthResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
public sealed partial class HostingJsonContext : JsonSerializerContext;
