using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Hosting;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        group.MapGet("/live", () => TypedResults.Ok(new HealthResponse("Healthy", [])))
            .WithName("Live").WithSummary("The process is up")
            .WithMetadata(new LivenessProbe())
            .WithDescription("Liveness: answers 200 whenever the process serves requests, without touching the database.");
        group.MapGet("/ready", ReadyAsync)
            .WithName("Ready").WithSummary("The database answers and its schema is current")
            .WithDescription("Readiness: 200 when the database answers and its schema is current, else 503 with the failing checks.")
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

public sealed record HealthResponse([property: AllowedValues("Healthy", "Degraded", "Unhealthy")] string Status, IReadOnlyList<HealthCheckEntry> Checks);

public sealed record HealthCheckEntry(string Name, [property: AllowedValues("Healthy", "Degraded", "Unhealthy")] string Status, string? Description);

/// <summary>The health responses' JSON: in the resolver chain (see <see cref="JsonSetup"/>) and for the 503 answer.</summary>
[JsonSerializable(typeof(HealthResponse))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
public sealed partial class HostingJsonContext : JsonSerializerContext;
