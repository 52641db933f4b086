namespace Strongroom.Features.Ledger;

/// <summary>Bound from <c>Ledger</c>.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Commands waiting for the writer; when full, requests are refused at once with 503.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Most commands applied in one database transaction (group commit). 1 means one commit per request.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Concurrent writers on SQL Server (row locks keep them apart). SQLite has one writer, always.</summary>
    public int Writers { get; set; } = 4;

    /// <summary>How often expired holds are looked for.</summary>
    public TimeSpan HoldExpiryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A hold's lifetime when the request names none.</summary>
    public TimeSpan DefaultHoldDuration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest a hold may be asked to last (<c>holdExpiresAt</c>); further is 400. A hold blocks closing the account it points at.</summary>
    public TimeSpan MaxHoldDuration { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an Idempotency-Key is remembered. Clients are promised 7 days; shorten it only for tests.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan IdempotencyPurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
