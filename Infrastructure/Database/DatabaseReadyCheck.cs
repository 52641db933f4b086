using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Strongroom.Infrastructure.Database;

/// <summary>Ready means: the database answers, takes writes, and every shipped migration is applied.</summary>
public sealed class DatabaseReadyCheck(MigrationRunner migrations, DatabaseAvailability availability) : IHealthCheck
{
    public const string Tag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (availability.IsDown)
        {
            return HealthCheckResult.Unhealthy("The database does not take writes (unavailable, full or locked); probing for its return.");
        }

        try
        {
            var pending = await migrations.PendingAsync(cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("Database reachable; schema up to date.")
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The exception type only: connection errors can carry server names and user names.
            return HealthCheckResult.Unhealthy($"Database unreachable ({exception.GetType().Name}).");
        }
    }
}
