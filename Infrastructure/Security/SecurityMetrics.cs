using System.Diagnostics.Metrics;

namespace Strongroom.Infrastructure.Security;

/// <summary>Security counters, exported with the service's other metrics (meter <c>Strongroom.Security</c>).</summary>
public sealed class SecurityMetrics
{
    public const string MeterName = "Strongroom.Security";

    private readonly Counter<long> _suspicious;

    public SecurityMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _suspicious = meter.CreateCounter<long>("strongroom.security.suspicious_activity", description: "Bursts of failed sign-ins or authorization denials against one account or from one user or client address.");
    }

    public void SuspiciousActivity(string kind) => _suspicious.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
