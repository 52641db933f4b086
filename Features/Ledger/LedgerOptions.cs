namespace Strongroom.Features.Ledger;

/// <summary>Bound from <c>Ledger</c>.</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>Commands waiting for the writer; when full, requests are refused at once with 503.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// The longest a request may expect to wait in the queue before its group starts; a request the
    /// writer cannot be expected to reach sooner is refused at once (503 <c>ledger_busy</c>,
    /// <c>Retry-After</c>). Null (the default) means automatic: a small multiple of the writer's
    /// current commit time, never below <see cref="LedgerPace.AutoQueueWaitFloor"/>.
    /// </summary>
    public TimeSpan? MaxQueueWait { get; set; }

    /// <summary>
    /// The longest any request waits for the writer, from admission to its answer, whatever the
    /// retries: past it, a command not yet committed is answered 503 <c>ledger_busy</c> and never
    /// applied. It also bounds how long the writer waits for a busy database's lock.
    /// </summary>
    public TimeSpan MaxWriterWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most commands applied in one database transaction (group commit). 1 means one commit per request.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Concurrent writers on SQL Server (row locks keep them apart). SQLite has one writer, always.</summary>
    public int Writers { get; set; } = 4;

    /// <summary>
    /// The nice value of each writer's thread (Linux; -20..19, 0 leaves it as the process's). The
    /// writers run on threads of their own; below 0 they are scheduled ahead of the request threads
    /// when the cores are saturated, which needs CAP_SYS_NICE (without it the writer runs at the
    /// process's priority and says so once, at Information).
    /// </summary>
    public int WriterNiceness { get; set; } = -10;

    /// <summary>How often expired holds are looked for.</summary>
    public TimeSpan HoldExpiryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A hold's lifetime when the request names none.</summary>
    public TimeSpan DefaultHoldDuration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest a hold may be asked to last (<c>holdExpiresAt</c>); further is 400. A hold blocks closing the account it points at.</summary>
    public TimeSpan MaxHoldDuration { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an Idempotency-Key is remembered. Clients are promised 7 days; shorten it only for tests.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan IdempotencyPurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Requests accepted with <c>Prefer: respond-async</c> and not applied yet; past it, such
    /// requests are refused 503 <c>ledger_busy</c> with <c>Retry-After</c> until the backlog drains.
    /// </summary>
    public int AsyncBacklogLimit { get; set; } = 100_000;

    /// <summary>How long the replica draining asynchronous requests holds its lease without renewing it (a crashed one is taken over after this).</summary>
    public TimeSpan AsyncDrainLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the drain looks for accepted requests when not told of new ones (another replica's, or after it lost the lease).</summary>
    public TimeSpan AsyncDrainInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many accepted asynchronous requests the drain keeps in the writer's queue at once: enough
    /// to fill the writer's next group while one commits; more only lengthens the queue that a
    /// synchronous request finds ahead of it (and is shed by).
    /// </summary>
    public int AsyncDrainWindow { get; set; } = 128;

    /// <summary>
    /// The drain's window while asynchronous requests are still arriving (one within
    /// <see cref="AsyncIntakeQuiet"/>): the writer's transactions carry the intake's records too,
    /// and a full window of drained transfers in each would halve how many 202s a burst gets. The
    /// backlog grows while the burst lasts (up to <c>Ledger:AsyncBacklogLimit</c>, then 503) and is
    /// applied at the full window once it is over.
    /// </summary>
    public int AsyncDrainWindowWhileAccepting { get; set; } = 1;

    /// <summary>How long without a new asynchronous request before the drain takes its full window again.</summary>
    public TimeSpan AsyncIntakeQuiet { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long the drain waits before resubmitting requests the writer shed (busy or unavailable).</summary>
    public TimeSpan AsyncRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
