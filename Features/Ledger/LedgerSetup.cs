using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Strongroom.Features.Ledger;

public static class LedgerSetup
{
    public static IServiceCollection AddLedger(this IServiceCollection services)
    {
        services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section)
            .Validate(o => o.MaxHoldDuration > TimeSpan.Zero && o.DefaultHoldDuration <= o.MaxHoldDuration, "Ledger:MaxHoldDuration must be positive and at least Ledger:DefaultHoldDuration.")
            .Validate(o => o.QueueCapacity > 0 && o.MaxBatchSize > 0 && o.Writers > 0, "Ledger:QueueCapacity, MaxBatchSize and Writers must be positive.")
            .Validate(o => o.HoldExpiryInterval > TimeSpan.Zero && o.IdempotencyPurgeInterval > TimeSpan.Zero, "Ledger intervals must be positive.")
            .Validate(o => o.IdempotencyRetention > TimeSpan.Zero, "Ledger:IdempotencyRetention must be positive.")
            .Validate(o => o.MaxQueueWait is null || o.MaxQueueWait > TimeSpan.Zero, "Ledger:MaxQueueWait must be positive (or unset: automatic).")
            .Validate(o => o.MaxWriterWait > TimeSpan.Zero && o.MaxWriterWait <= TimeSpan.FromDays(1), "Ledger:MaxWriterWait must be positive and at most a day.")
            .Validate(o => o.AsyncBacklogLimit > 0, "Ledger:AsyncBacklogLimit must be positive.")
            .Validate(o => o.AsyncDrainLease > TimeSpan.Zero && o.AsyncDrainInterval > TimeSpan.Zero && o.AsyncRetryDelay > TimeSpan.Zero && o.AsyncDrainInterval < o.AsyncDrainLease,
                "Ledger:AsyncDrainLease, AsyncDrainInterval and AsyncRetryDelay must be positive, the interval shorter than the lease.")
            .Validate(o => o.AsyncDrainWindow > 0, "Ledger:AsyncDrainWindow must be positive.")
            .Validate(o => o.AsyncDrainWindowWhileAccepting > 0 && o.AsyncDrainWindowWhileAccepting <= o.AsyncDrainWindow, "Ledger:AsyncDrainWindowWhileAccepting must be positive and at most Ledger:AsyncDrainWindow.")
            .Validate(o => o.AsyncIntakeQuiet >= TimeSpan.Zero, "Ledger:AsyncIntakeQuiet must not be negative.")
            .ValidateOnStart();
        services.AddOptions<DualControlOptions>().BindConfiguration(DualControlOptions.Section)
            .Validate(o => o.Expiry > TimeSpan.Zero && o.Thresholds.Values.All(t => t > 0), "Ledger:DualControl:Expiry and every threshold must be positive.")
            .ValidateOnStart();
        services.AddSingleton<LedgerMetrics>();
        services.AddSingleton<LedgerQueue>();
        services.AddSingleton<SharedWrites>();
        services.AddSingleton(sp => new LedgerBatch(
            sp.GetRequiredService<SqlDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<LedgerOptions>>().Value,
            sp.GetRequiredService<ILogger<WalCheckpointer>>()));
        // The writer runs on every replica and idles where nothing submits (only Transfers moves money).
        // The jobs stand down where Transfers is not enabled; where it is, they are safe to run on
        // several replicas at once (see each job), so no replica has to be elected to run them.
        services.AddHostedService<LedgerWriter>();
        // Asynchronous writes: the intake records accepted requests (group commit), the drain applies them.
        services.AddSingleton<AsyncIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<AsyncIntake>());
        services.AddHostedService<AsyncDrain>();
        services.AddHostedService<HoldExpiryJob>();
        services.AddHostedService<IdempotencyPurgeJob>();
        return services;
    }
}
