using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Infrastructure.Telemetry;

namespace Strongroom.Infrastructure.Security;

/// <summary>Security counters, exported with the service's other metrics (meter <c>Strongroom</c>).</summary>
public sealed class SecurityMetrics
{
    private static readonly KeyValuePair<string, object?>[] Subjects =
        [new("subject", "account"), new("subject", "address"), new("subject", "client")];

    private readonly Counter<long> _suspicious;
    private readonly Counter<long> _signInFailures;
    private readonly Counter<long> _lockouts;

    public SecurityMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(StrongroomTelemetry.MeterName);
        _suspicious = meter.CreateCounter<long>("strongroom.security.suspicious_activity", "{event}", "Bursts of failed sign-ins or authorization denials against one account or from one user or client address.");
        _signInFailures = meter.CreateCounter<long>("strongroom.security.sign_in.failures", "{attempt}", "Sign-ins refused for a wrong password, second factor or client secret.");
        _lockouts = meter.CreateCounter<long>("strongroom.security.sign_in.lockouts", "{lockout}", "Sign-in locks begun, by what was locked: an account (the email typed), a client address, or a service client.");
    }

    public void SuspiciousActivity(string kind) => _suspicious.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void SignInFailed() => _signInFailures.Add(1);

    public void LockedOut(LockedSubject subject) => _lockouts.Add(1, new TagList([Subjects[(int)subject]]));
}

public enum LockedSubject
{
    Account,
    Address,
    Client,
}
