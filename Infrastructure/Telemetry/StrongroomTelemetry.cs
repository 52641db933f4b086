using System.Diagnostics;

namespace Strongroom.Infrastructure.Telemetry;

/// <summary>
/// The names our own telemetry is published under: one meter for every <c>strongroom.*</c> metric,
/// one activity source for our spans (the ledger's group commit). Without a listener (neither OTLP
/// nor Prometheus configured) a span is never started and a measurement costs a branch.
/// </summary>
public static class StrongroomTelemetry
{
    public const string MeterName = "Strongroom";

    public const string SourceName = "Strongroom";

    public static readonly ActivitySource Source = new(SourceName);
}
