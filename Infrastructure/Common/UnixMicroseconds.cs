namespace Strongroom.Infrastructure.Common;

/// <summary>
/// Timestamps are stored as 64-bit microseconds since the Unix epoch (UTC) on both engines:
/// exact, ordered, identical in SQLite and SQL Server, and read by Dapper.AOT without conversion.
/// </summary>
public static class UnixMicroseconds
{
    public static long From(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset ToDateTimeOffset(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);

    public static long Now(TimeProvider time) => From(time.GetUtcNow());
}
