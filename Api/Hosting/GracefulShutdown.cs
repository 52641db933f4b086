using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Hosting;

/// <summary>Bound from <c>Hosting</c>: how the service stops (SIGTERM, Ctrl+C).</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Hosting";

    /// <summary>
    /// How long the service goes on serving after the signal, answering <c>/health/ready</c> 503, so a
    /// load balancer takes it out before it stops listening. Unset: 5 s, none in Development.
    /// </summary>
    public TimeSpan? ShutdownDrainDelay { get; set; }

    /// <summary>The most the whole stop may take, drain delay included (<see cref="HostOptions.ShutdownTimeout"/>).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public static class GracefulShutdown
{
    /// <summary>
    /// On the signal: not ready at once; still serving for the drain delay; then Kestrel stops
    /// listening and answers what is in flight, and the ledger writer (stopped after the server)
    /// commits every command it accepted; all within the shutdown timeout, after which what is
    /// left is cut and the process exits.
    /// </summary>
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.Section)
            .Validate(o => o.ShutdownTimeout > TimeSpan.Zero, "Hosting:ShutdownTimeout must be positive.")
            .Validate(o => o.ShutdownDrainDelay is not { } drain || (drain >= TimeSpan.Zero && drain < o.ShutdownTimeout),
                "Hosting:ShutdownDrainDelay must be at least zero and shorter than Hosting:ShutdownTimeout.")
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.ShutdownTimeout);
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().AddCheck<ShutdownReadyCheck>("shutdown", tags: [DatabaseReadyCheck.Tag]);
        return services;
    }
}

/// <summary>Holds the stop for the drain delay before any service stops (Kestrel included), so requests are still served.</summary>
internal sealed partial class ShutdownDrain(IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, IHostEnvironment environment,
    TimeProvider time, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True from the signal on.</summary>
    public bool IsStopping => _draining || lifetime.ApplicationStopping.IsCancellationRequested;

    private TimeSpan Delay => options.Value.ShutdownDrainDelay ?? (environment.IsDevelopment() ? TimeSpan.Zero : TimeSpan.FromSeconds(5));

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (Delay <= TimeSpan.Zero)
        {
            return;
        }

        LogDraining(logger, Delay.TotalSeconds);
        try
        {
            await Task.Delay(Delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out first: stop now.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: /health/ready answers 503; serving {Seconds} s more (Hosting:ShutdownDrainDelay) before closing")]
    private static partial void LogDraining(ILogger logger, double seconds);
}

/// <summary>Not ready once the service is stopping: the load balancer sends nothing new.</summary>
internal sealed class ShutdownReadyCheck(ShutdownDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsStopping ? HealthCheckResult.Unhealthy("Shutting down.") : HealthCheckResult.Healthy());
}
