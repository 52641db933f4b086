using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Hosting;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

/// <summary>
/// Turns events into deliveries and makes the attempts, on every replica that serves
/// <see cref="Modules.Webhooks"/>. Everything it knows is in the database, so a kill -9 loses
/// nothing: fan-out advances each endpoint's cursor in the same transaction as the deliveries it
/// writes (and only from the cursor it read, so two replicas never both hand out one event), and
/// an attempt is made only under a lease (<c>lease_owner</c>, <c>lease_expires_at</c>) taken by
/// one conditional UPDATE, so on several replicas each attempt is made by one at a time and a
/// crashed replica's claims are taken over when they expire. Attempts are bounded overall and per
/// endpoint. Its writes (fan-out, claims, outcomes) are short statements that ride in the ledger
/// writer's next transaction on SQLite (<see cref="SharedWrites"/>): they share its commit and
/// fsync instead of taking the one write lock in turns with it; nothing that waits on a receiver
/// ever runs there.
/// </summary>
internal sealed partial class WebhookDispatcher(
    SqlDatabase database, SharedWrites shared, WebhookSender sender, PersonalDataProtector protector, AuditLog audit, EventSignal signal, TimeProvider time,
    IOptions<WebhookOptions> options, IOptions<ModulesOptions> modules, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    /// <summary>Most events handed to one endpoint per fan-out transaction.</summary>
    private const int FanOutChunk = 256;
    private const int EndpointsPerPass = 200;
    private const int PurgeChunk = 1000;

    /// <summary>Most attempt outcomes written in one transaction.</summary>
    private const int RecordChunk = 64;

    /// <summary>Most deliveries of one endpoint claimed at once, however fast its receiver answers.</summary>
    private const int MaxClaimsPerEndpoint = 256;

    /// <summary>The least sending time a claim is budgeted at: a receiver on loopback answers in a fraction of a millisecond.</summary>
    private static readonly TimeSpan MinClaimCost = TimeSpan.FromMilliseconds(2);

    // How long each endpoint's recent attempts took (a moving average, seconds): what a claim of it is budgeted at.
    private readonly Dictionary<string, double> _sendSeconds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _claimedSecondsByEndpoint = new(StringComparer.Ordinal);
    private double _claimedSeconds;

    // The endpoint's signing keys, decrypted once per secret (Data Protection is not cheap on every attempt);
    // an entry is kept only while the endpoint has deliveries in this replica's hands, and a rotation
    // (a different ciphertext) replaces it.
    private readonly Dictionary<string, SigningKeys> _keys = new(StringComparer.Ordinal);

    private readonly WebhookOptions _options = options.Value;
    private readonly string _replica = $"{Environment.ProcessId}-{Guid.NewGuid():N}";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _inFlightByEndpoint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SemaphoreSlim> _endpointSlots = new(StringComparer.Ordinal);
    private string _lastServed = "";
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentDeliveries, options.Value.MaxConcurrentDeliveries);
    private readonly HashSet<Task> _running = [];
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;
    private readonly Channel<AttemptRecord> _records = Channel.CreateUnbounded<AttemptRecord>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!modules.Value.IsEnabled(Modules.Webhooks))
        {
            return;
        }

        await Task.Yield();
        var recorder = Task.Run(RecordOutcomesAsync, CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await FanOutAsync(stoppingToken);
                more |= await ClaimAndStartAsync(stoppingToken);
                if (time.GetUtcNow() >= _nextPurge)
                {
                    _nextPurge = time.GetUtcNow() + _options.PurgeInterval;
                    await PurgeAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                LogPassFailed(logger, exception);
            }

            if (!more)
            {
                try
                {
                    await signal.WaitAsync(_options.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        // Attempts in flight are cancelled with the host; their leases expire and another replica (or the restart) makes them again.
        await Task.WhenAll(running);
        _records.Writer.TryComplete();
        await recorder;
    }

    /// <summary>
    /// Hands each enabled endpoint the events after its cursor that it subscribes to and may see,
    /// a chunk at a time; returns at once when none is behind, and true when one still is after
    /// this pass. A disabled user's endpoints are handed nothing while they are disabled (their
    /// cursor waits).
    /// </summary>
    /// <remarks>
    /// Each endpoint's chunk is one write of its own in the ledger writer's next transaction
    /// (<see cref="SharedWrites"/>), kept small (<see cref="FanOutChunk"/> events): a big
    /// INSERT … SELECT there would make the writer's group overrun its usual time, and the ledger
    /// would shed synchronous transfers while it lasted.
    /// </remarks>
    private async Task<bool> FanOutAsync(CancellationToken cancellationToken)
    {
        List<FanOutEndpoint> behind;
        long last;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            // A cheap read first: a write only when some endpoint is behind.
            behind = [.. await connection.QueryAsync<FanOutEndpoint>(database.FirstRows(Sql.Behind), new { Take = EndpointsPerPass })];
            if (behind.Count == 0)
            {
                return false;
            }

            last = await connection.QuerySingleAsync<long>(Sql.LastSequence);
        }

        var now = UnixMicroseconds.Now(time);
        var stillBehind = behind.Count == EndpointsPerPass;
        foreach (var endpoint in behind)
        {
            var upTo = Math.Min(last, endpoint.FanoutCursor + FanOutChunk);
            stillBehind |= upTo < last;
            await shared.WriteAsync(async (writing, transaction) =>
            {
                // Only from the cursor this replica read: another replica that got there first leaves nothing to do here.
                if (await writing.ExecuteAsync(Sql.Advance, new { endpoint.Id, Cursor = endpoint.FanoutCursor, UpTo = upTo }, transaction) == 1)
                {
                    await writing.ExecuteAsync(database.Pick(Sqlite.Deliveries, SqlServer.Deliveries), new
                    {
                        endpoint.Id,
                        endpoint.OwnerId,
                        AllEvents = endpoint.OwnerIsStaff ? 1 : 0,
                        Types = endpoint.EventTypes,
                        Cursor = endpoint.FanoutCursor,
                        UpTo = upTo,
                        Now = now,
                    }, transaction);
                }

                return true;
            }, cancellationToken);
        }

        return stillBehind;
    }

    /// <summary>
    /// Forgets finished deliveries and attempts of events already purged (older than the oldest
    /// event left), a chunk at a time. Safe on several replicas at once: plain DELETEs of rows
    /// nobody will touch again. A pending delivery whose event is gone is dropped when it is attempted.
    /// </summary>
    private async Task PurgeAsync(CancellationToken cancellationToken)
    {
        int deleted;
        do
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            // A read first: the write lock only when there is something to forget.
            if (await connection.QuerySingleAsync<int>(database.Pick(Sqlite.AnyToPurge, SqlServer.AnyToPurge)) == 0)
            {
                return;
            }

            // Rare and possibly long (a thousand rows): its own transaction, in turn with the ledger writer's.
            using var turn = await database.WriteTurnAsync(cancellationToken);
            deleted = await connection.ExecuteAsync(database.Pick(Sqlite.PurgeDeliveries, SqlServer.PurgeDeliveries), new { Take = PurgeChunk });
            deleted += await connection.ExecuteAsync(database.Pick(Sqlite.PurgeAttempts, SqlServer.PurgeAttempts), new { Take = PurgeChunk });
        }
        while (deleted > 0 && !cancellationToken.IsCancellationRequested);
    }

    /// <summary>
    /// How many claims (of one endpoint, or in all) may wait for a sending slot, as a multiple of the
    /// slots, for a receiver that takes the whole <c>Webhooks:Timeout</c>: each claim costs a write,
    /// so claiming one delivery per slot freed would pace deliveries by the disk; but a claim must
    /// still be made before its lease runs out, however slowly the receiver answers, so no more are
    /// taken than the slots can work through within <c>Webhooks:LeaseDuration</c>, with one to spare.
    /// </summary>
    private int ClaimsPerSlot => Math.Max(1, (int)(_options.LeaseDuration / _options.Timeout) - 1);

    /// <summary>
    /// Claims are budgeted in sending time: the slots' share of the lease, as above, of which each
    /// claim costs four times what the endpoint's recent attempts took (the whole timeout for an
    /// endpoint not heard from yet). A fast receiver is so handed up to <see cref="MaxClaimsPerEndpoint"/>
    /// deliveries per claim, a slow one as few as before. One that turns slow with many claimed
    /// cannot be attempted twice at once: a claim whose lease would end before an attempt could time
    /// out is not attempted (<see cref="AttemptInSlotAsync"/>) and is claimed again when it expires.
    /// </summary>
    private double ClaimBudgetSeconds(int slots) => slots * ClaimsPerSlot * _options.Timeout.TotalSeconds;

    /// <summary>What one claim of <paramref name="endpointId"/> is budgeted at, in seconds (under <see cref="_gate"/>).</summary>
    private double ClaimCost(string endpointId) =>
        _sendSeconds.TryGetValue(endpointId, out var seconds)
            ? Math.Min(_options.Timeout.TotalSeconds, Math.Max(MinClaimCost.TotalSeconds, 4 * seconds))
            : _options.Timeout.TotalSeconds;

    private void ObserveSend(string endpointId, TimeSpan took)
    {
        lock (_gate)
        {
            _sendSeconds[endpointId] = _sendSeconds.TryGetValue(endpointId, out var average)
                ? average + (0.2 * (took.TotalSeconds - average))
                : took.TotalSeconds;
        }
    }

    /// <summary>Claims due deliveries, endpoint by endpoint within the limits, and starts them; true when it filled its slots (there may be more).</summary>
    private async Task<bool> ClaimAndStartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_claimedSeconds >= ClaimBudgetSeconds(_options.MaxConcurrentDeliveries))
            {
                return false;
            }
        }

        var now = UnixMicroseconds.Now(time);
        var leaseUntil = now + UnixMicroseconds.From(DateTimeOffset.UnixEpoch + _options.LeaseDuration);
        await using var connection = await database.OpenAsync(cancellationToken);
        var endpoints = (await connection.QueryAsync<string>(database.FirstRows(Sql.DueEndpoints), new { Now = now, After = _lastServed, Take = EndpointsPerPass })).ToList();
        if (endpoints.Count > 0)
        {
            _lastServed = endpoints[^1];
        }

        foreach (var endpointId in endpoints)
        {
            int slots;
            double cost;
            lock (_gate)
            {
                cost = ClaimCost(endpointId);
                var left = Math.Min(
                    ClaimBudgetSeconds(_options.MaxConcurrentDeliveries) - _claimedSeconds,
                    ClaimBudgetSeconds(_options.MaxConcurrentPerEndpoint) - _claimedSecondsByEndpoint.GetValueOrDefault(endpointId));
                slots = Math.Min(MaxClaimsPerEndpoint - _inFlightByEndpoint.GetValueOrDefault(endpointId), (int)(left / cost));
            }

            if (slots <= 0)
            {
                continue;
            }

            var claimed = await shared.WriteAsync(async (writing, transaction) => (List<ClaimedDelivery>)[.. await writing.QueryAsync<ClaimedDelivery>(
                database.Pick(Sqlite.Claim, SqlServer.Claim),
                new
                {
                    EndpointId = endpointId,
                    Me = _replica,
                    Now = now,
                    LeaseUntil = leaseUntil,
                    Take = slots,
                },
                transaction)], cancellationToken);

            foreach (var delivery in claimed)
            {
                Start(endpointId, delivery, leaseUntil, cost, cancellationToken);
            }

            lock (_gate)
            {
                if (_claimedSeconds >= ClaimBudgetSeconds(_options.MaxConcurrentDeliveries))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void Start(string endpointId, ClaimedDelivery delivery, long leaseUntil, double cost, CancellationToken cancellationToken)
    {
        SemaphoreSlim endpointSlots;
        lock (_gate)
        {
            _claimedSeconds += cost;
            _claimedSecondsByEndpoint[endpointId] = _claimedSecondsByEndpoint.GetValueOrDefault(endpointId) + cost;
            _inFlightByEndpoint[endpointId] = _inFlightByEndpoint.GetValueOrDefault(endpointId) + 1;
            if (!_endpointSlots.TryGetValue(endpointId, out endpointSlots!))
            {
                endpointSlots = new SemaphoreSlim(_options.MaxConcurrentPerEndpoint, _options.MaxConcurrentPerEndpoint);
                _endpointSlots[endpointId] = endpointSlots;
            }
        }

        var task = Task.Run(() => AttemptInSlotAsync(endpointId, delivery, leaseUntil, endpointSlots, cancellationToken), CancellationToken.None);
        lock (_gate)
        {
            _running.Add(task);
        }

        _ = task.ContinueWith(done =>
        {
            lock (_gate)
            {
                _running.Remove(done);
                _claimedSeconds = Math.Max(0, _claimedSeconds - cost);
                _claimedSecondsByEndpoint[endpointId] -= cost;
                if (--_inFlightByEndpoint[endpointId] == 0)
                {
                    // Nobody holds or waits for its slots any more.
                    _inFlightByEndpoint.Remove(endpointId);
                    _claimedSecondsByEndpoint.Remove(endpointId);
                    _endpointSlots.Remove(endpointId);
                    _keys.Remove(endpointId);
                }
            }

            // A slot is free: look for more work now rather than at the next poll.
            signal.Notify();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Waits for one of the endpoint's sending slots and one of the replica's, then attempts: so at
    /// most <c>MaxConcurrentPerEndpoint</c> requests go to one receiver and
    /// <c>MaxConcurrentDeliveries</c> in all. A claim whose lease would end before an attempt made
    /// now could time out is left to expire and be claimed again, so no two attempts at one
    /// delivery ever overlap. The slots are let go once the receiver has answered and the outcome
    /// is queued for writing, not when it is durable: the delivery stays leased to this replica
    /// until its outcome commits (so no other replica attempts it meanwhile), and its claim counts
    /// against the budget until then.
    /// </summary>
    private async Task AttemptInSlotAsync(string endpointId, ClaimedDelivery delivery, long leaseUntil, SemaphoreSlim endpointSlots, CancellationToken cancellationToken)
    {
        try
        {
            await endpointSlots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Task? recorded = null;
        try
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                if (UnixMicroseconds.Now(time) + UnixMicroseconds.From(DateTimeOffset.UnixEpoch + _options.Timeout) < leaseUntil)
                {
                    recorded = await AttemptAsync(endpointId, delivery, cancellationToken);
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the lease expires and the attempt is made again.
        }
        finally
        {
            endpointSlots.Release();
        }

        if (recorded is not null)
        {
            await recorded;
        }
    }

    /// <summary>Makes the attempt; returns what finishes once its outcome is written (null when nothing was sent).</summary>
    private async Task<Task?> AttemptAsync(string endpointId, ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            SigningEndpoint? endpoint;
            StoredEvent? stored;
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                endpoint = await connection.QuerySingleOrDefaultAsync<SigningEndpoint>(Sql.Endpoint, new { Id = endpointId });
                stored = await connection.QuerySingleOrDefaultAsync<StoredEvent>(Sql.Event, new { delivery.Sequence });
                if (endpoint is not null && stored is null)
                {
                    // Purged past its retention before it could be delivered: nothing is left to send.
                    await shared.WriteAsync((writing, transaction) => writing.ExecuteAsync(Sql.Forget, new { EndpointId = endpointId, delivery.Sequence, Me = _replica }, transaction), cancellationToken);
                }
            }

            if (endpoint is null || stored is null)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var keys = KeysOf(endpointId, endpoint, now);
            var body = EventEnvelope.ToUtf8(stored);
            var timestamp = now.ToUnixTimeSeconds();
            var signatures = WebhookSecrets.SignatureHeader(keys, stored.Id, timestamp, body);
            var clock = Stopwatch.StartNew();
            var outcome = await sender.SendAsync(endpoint.Url, stored.Id, timestamp, body, signatures, cancellationToken);
            ObserveSend(endpointId, clock.Elapsed);
            return Record(endpointId, delivery, stored.Id, outcome, (long)clock.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease expires and the attempt is made again.
        }
        catch (Exception exception)
        {
            LogAttemptFailed(logger, endpointId, delivery.Sequence, exception);
        }

        return null;
    }

    /// <summary>The endpoint's signing keys now: its secret's, and during a rotation the previous one's too.</summary>
    private List<byte[]> KeysOf(string endpointId, SigningEndpoint endpoint, DateTimeOffset now)
    {
        SigningKeys? cached;
        lock (_gate)
        {
            _keys.TryGetValue(endpointId, out cached);
        }

        if (cached is null || cached.Secret != endpoint.Secret || cached.PreviousSecret != endpoint.PreviousSecret)
        {
            var context = WebhookEndpointIds.SecretContext(endpointId);
            cached = new SigningKeys(
                endpoint.Secret, WebhookSecrets.KeyOf(protector.Unprotect(endpoint.Secret, context)),
                endpoint.PreviousSecret, endpoint.PreviousSecret is { } previous ? WebhookSecrets.KeyOf(protector.Unprotect(previous, context)) : null);
            lock (_gate)
            {
                // Only while the endpoint has deliveries in hand (Start's continuation forgets it with them).
                if (_inFlightByEndpoint.ContainsKey(endpointId))
                {
                    _keys[endpointId] = cached;
                }
            }
        }

        var keys = new List<byte[]>(2) { cached.Key };
        if (cached.PreviousKey is { } previousKey && endpoint.PreviousSecretUntil > UnixMicroseconds.From(now))
        {
            keys.Add(previousKey);
        }

        return keys;
    }

    private sealed record SigningKeys(string Secret, byte[] Key, string? PreviousSecret, byte[]? PreviousKey);

    /// <summary>Queues the attempt's outcome for writing; returns what finishes once it is written (and the endpoint's disabling, if any, audited).</summary>
    private Task Record(string endpointId, ClaimedDelivery delivery, string eventId, WebhookOutcome outcome, long durationMs)
    {
        var attempt = delivery.Attempts + 1;
        var now = time.GetUtcNow();
        var schedule = _options.Schedule;
        string state;
        string? disable = null;
        DateTimeOffset? next = null;
        if (outcome.IsSuccess)
        {
            state = "delivered";
        }
        else if (outcome.StatusCode == StatusCodes.Status410Gone)
        {
            state = "failed";
            disable = WebhookDisabledReasons.Gone;
        }
        else if (attempt > schedule.Count)
        {
            state = "failed";
            disable = WebhookDisabledReasons.Failing;
        }
        else
        {
            state = "pending";
            next = now + Backoff(schedule[attempt - 1], outcome.RetryAfter);
        }

        var nowMicros = UnixMicroseconds.From(now);
        var record = new AttemptRecord(endpointId, delivery, eventId, outcome, durationMs, attempt, state, disable,
            next is { } due ? UnixMicroseconds.From(due) : null, nowMicros, OpaqueId.New(ListWebhookDeliveries.AttemptIdPrefix, time));
        if (!_records.Writer.TryWrite(record))
        {
            // Shutting down: not recorded, so the lease expires and the attempt is made again (at least once).
            return Task.CompletedTask;
        }

        return RecordedAsync(record);
    }

    private async Task RecordedAsync(AttemptRecord record)
    {
        try
        {
            if (await record.Done.Task && record.Disable is { } disable)
            {
                LogDisabled(logger, record.EndpointId, disable, record.EventId, record.Attempt);
                await audit.RecordAsync(new AuditEvent("webhook_endpoint_disabled", Target: record.EndpointId,
                    Details: $"reason={disable} event={record.EventId} attempts={record.Attempt} status={record.Outcome.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? record.Outcome.Error}"),
                    context: null, CancellationToken.None);
            }
        }
        catch (Exception exception)
        {
            // Not recorded: the lease expires and the attempt is made again (at least once).
            LogAttemptFailed(logger, record.EndpointId, record.Delivery.Sequence, exception);
        }
    }

    /// <summary>
    /// Writes the outcomes of the attempts that have finished, as many as are waiting, in one
    /// transaction (on SQLite the ledger writer's, one fsync for all of them and the transfers it commits), and only
    /// then lets each attempt's slot go; each record's task says whether it disabled its endpoint.
    /// </summary>
    private async Task RecordOutcomesAsync()
    {
        var batch = new List<AttemptRecord>(RecordChunk);
        while (await _records.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < RecordChunk && _records.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            try
            {
                var disabled = await WriteOutcomesAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(disabled[i]);
                }
            }
            catch (Exception exception)
            {
                // Not recorded: the leases expire and the attempts are made again (at least once).
                foreach (var record in batch)
                {
                    record.Done.TrySetException(exception);
                }
            }
        }
    }

    private Task<bool[]> WriteOutcomesAsync(List<AttemptRecord> batch) =>
        shared.WriteAsync((connection, transaction) => WriteOutcomesAsync(batch, connection, transaction), CancellationToken.None);

    private async Task<bool[]> WriteOutcomesAsync(List<AttemptRecord> batch, DbConnection connection, DbTransaction transaction)
    {
        var disabled = new bool[batch.Count];
        var broughtForward = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            var recorded = await connection.ExecuteAsync(Sql.Complete, new
            {
                record.EndpointId,
                record.Delivery.Sequence,
                Me = _replica,
                Attempts = record.Attempt,
                record.State,
                NextAttemptAt = record.NextAttemptAt ?? record.Now,
                LastStatus = record.Outcome.StatusCode,
                LastError = record.Outcome.Error,
            }, transaction);
            if (recorded == 0)
            {
                // The lease was lost (it expired and another replica took the delivery over): that replica records its own attempt.
                continue;
            }

            await connection.ExecuteAsync(Sql.InsertAttempt, new
            {
                Id = record.AttemptId,
                record.EndpointId,
                record.Delivery.Sequence,
                record.Attempt,
                AttemptedAt = record.Now - (record.DurationMs * 1000),
                record.Outcome.StatusCode,
                record.Outcome.Error,
                record.DurationMs,
                record.NextAttemptAt,
            }, transaction);
            if (record.Outcome.IsSuccess && broughtForward.Add(record.EndpointId))
            {
                // The receiver is back: what it missed is due now, not at each delivery's next backoff.
                await connection.ExecuteAsync(Sql.BringForward, new { record.EndpointId, record.Now }, transaction);
            }

            disabled[i] = record.Disable is not null && await connection.ExecuteAsync(Sql.Disable, new { Id = record.EndpointId, Reason = record.Disable }, transaction) == 1;
        }

        return disabled;
    }

    /// <summary>What one attempt came to, waiting to be written with the others that finished about when it did.</summary>
    private sealed record AttemptRecord(
        string EndpointId, ClaimedDelivery Delivery, string EventId, WebhookOutcome Outcome, long DurationMs, int Attempt, string State,
        string? Disable, long? NextAttemptAt, long Now, string AttemptId)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The scheduled delay, ±10% so retries of many deliveries spread out, and never sooner than the receiver's Retry-After (capped).</summary>
    private TimeSpan Backoff(TimeSpan scheduled, TimeSpan? retryAfter)
    {
        var jittered = scheduled * (1 + (RandomNumberGenerator.GetInt32(-100, 101) / 1000.0));
        return retryAfter is { } asked && asked > jittered ? (asked < _options.MaxRetryAfter ? asked : _options.MaxRetryAfter) : jittered;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook dispatch pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook attempt to {EndpointId} for event sequence {Sequence} failed; its lease expires and it is retried")]
    private static partial void LogAttemptFailed(ILogger logger, string endpointId, long sequence, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled ({Reason}) after attempt {Attempt} of {EventId}")]
    private static partial void LogDisabled(ILogger logger, string endpointId, string reason, string eventId, int attempt);

    public sealed class FanOutEndpoint
    {
        public string Id { get; init; } = "";

        public string OwnerId { get; init; } = "";

        public bool OwnerIsStaff { get; init; }

        public string EventTypes { get; init; } = "";

        public long FanoutCursor { get; init; }
    }

    public sealed class ClaimedDelivery
    {
        public long Sequence { get; init; }

        public int Attempts { get; init; }
    }

    public sealed class SigningEndpoint
    {
        public string Url { get; init; } = "";

        public string Secret { get; init; } = "";

        public string? PreviousSecret { get; init; }

        public long? PreviousSecretUntil { get; init; }
    }

    private static class Sql
    {
        public const string Behind = """
            SELECT w.id AS Id, w.owner_id AS OwnerId, w.owner_is_staff AS OwnerIsStaff, w.event_types AS EventTypes, w.fanout_cursor AS FanoutCursor
            FROM webhook_endpoints w
            WHERE w.status = 'enabled' AND w.fanout_cursor < (SELECT c.last_sequence FROM event_counter c WHERE c.id = 1)
              AND EXISTS (SELECT 1 FROM users u WHERE u.id = w.owner_id AND u.status = 'active')
            ORDER BY w.id
            """;

        public const string LastSequence = """
            SELECT last_sequence FROM event_counter WHERE id = 1
            """;

        public const string Advance = """
            UPDATE webhook_endpoints SET fanout_cursor = @UpTo WHERE id = @Id AND fanout_cursor = @Cursor AND status = 'enabled'
            """;

        // Endpoint by endpoint, each a probe of its pending deliveries (ix_webhook_deliveries_pending),
        // not a scan of every delivery due: a backlog of 190,000 made that a pass of its own. Round
        // robin from the last endpoint served, so none waits behind the others for long.
        public const string DueEndpoints = """
            SELECT e.id FROM webhook_endpoints e
            WHERE e.status = 'enabled' AND EXISTS (
                SELECT 1 FROM webhook_deliveries d
                WHERE d.endpoint_id = e.id AND d.state = 'pending' AND d.next_attempt_at <= @Now AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= @Now))
            ORDER BY CASE WHEN e.id > @After THEN 0 ELSE 1 END, e.id
            """;

        public const string Endpoint = """
            SELECT url AS Url, secret AS Secret, previous_secret AS PreviousSecret, previous_secret_until AS PreviousSecretUntil
            FROM webhook_endpoints WHERE id = @Id AND status = 'enabled'
            """;

        public const string Event = $"""
            SELECT {StoredEvent.Columns} FROM events WHERE sequence = @Sequence
            """;

        public const string Forget = """
            DELETE FROM webhook_deliveries WHERE endpoint_id = @EndpointId AND sequence = @Sequence AND lease_owner = @Me
            """;

        public const string Complete = """
            UPDATE webhook_deliveries
            SET attempts = @Attempts, state = @State, next_attempt_at = @NextAttemptAt, lease_owner = NULL, lease_expires_at = NULL,
                last_status = @LastStatus, last_error = @LastError
            WHERE endpoint_id = @EndpointId AND sequence = @Sequence AND lease_owner = @Me
            """;

        public const string InsertAttempt = """
            INSERT INTO webhook_attempts (id, endpoint_id, sequence, attempt, attempted_at, status_code, error, duration_ms, next_attempt_at)
            VALUES (@Id, @EndpointId, @Sequence, @Attempt, @AttemptedAt, @StatusCode, @Error, @DurationMs, @NextAttemptAt)
            """;

        public const string BringForward = """
            UPDATE webhook_deliveries SET next_attempt_at = @Now WHERE endpoint_id = @EndpointId AND state = 'pending' AND attempts > 0 AND next_attempt_at > @Now
            """;

        public const string Disable = """
            UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = @Reason WHERE id = @Id AND status = 'enabled'
            """;
    }

    private static class Sqlite
    {
        public const string Deliveries = """
            INSERT INTO webhook_deliveries (endpoint_id, sequence, attempts, state, next_attempt_at)
            SELECT @Id, e.sequence, 0, 'pending', @Now FROM events e
            WHERE e.sequence > @Cursor AND e.sequence <= @UpTo
              AND instr(' ' || @Types || ' ', ' ' || e.type || ' ') > 0
              AND (@AllEvents = 1 OR EXISTS (SELECT 1 FROM event_audience a WHERE a.user_id = @OwnerId AND a.sequence = e.sequence))
            """;

        public const string AnyToPurge = """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_attempts WHERE sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events))
                OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE state <> 'pending' AND sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events))
                THEN 1 ELSE 0 END
            """;

        public const string PurgeDeliveries = """
            DELETE FROM webhook_deliveries
            WHERE (endpoint_id, sequence) IN (
                SELECT endpoint_id, sequence FROM webhook_deliveries
                WHERE state <> 'pending' AND sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events)
                LIMIT @Take)
            """;

        public const string PurgeAttempts = """
            DELETE FROM webhook_attempts
            WHERE id IN (SELECT id FROM webhook_attempts WHERE sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events) LIMIT @Take)
            """;

        public const string Claim = """
            UPDATE webhook_deliveries SET lease_owner = @Me, lease_expires_at = @LeaseUntil
            WHERE endpoint_id = @EndpointId AND state = 'pending' AND next_attempt_at <= @Now AND (lease_expires_at IS NULL OR lease_expires_at <= @Now)
              AND sequence IN (
                SELECT sequence FROM webhook_deliveries
                WHERE endpoint_id = @EndpointId AND state = 'pending' AND next_attempt_at <= @Now AND (lease_expires_at IS NULL OR lease_expires_at <= @Now)
                ORDER BY sequence LIMIT @Take)
            RETURNING sequence AS Sequence, attempts AS Attempts
            """;
    }

    private static class SqlServer
    {
        public const string Deliveries = """
            INSERT INTO webhook_deliveries (endpoint_id, sequence, attempts, state, next_attempt_at)
            SELECT @Id, e.sequence, 0, N'pending', @Now FROM events e
            WHERE e.sequence > @Cursor AND e.sequence <= @UpTo
              AND CHARINDEX(N' ' + e.type + N' ', N' ' + @Types + N' ') > 0
              AND (@AllEvents = 1 OR EXISTS (SELECT 1 FROM event_audience a WHERE a.user_id = @OwnerId AND a.sequence = e.sequence))
            """;

        public const string AnyToPurge = """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_attempts WHERE sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events))
                OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE state <> N'pending' AND sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events))
                THEN 1 ELSE 0 END
            """;

        public const string PurgeDeliveries = """
            DELETE TOP (@Take) FROM webhook_deliveries
            WHERE state <> N'pending' AND sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events)
            """;

        public const string PurgeAttempts = """
            DELETE TOP (@Take) FROM webhook_attempts WHERE sequence < (SELECT COALESCE(MIN(sequence), 0) FROM events)
            """;

        public const string Claim = """
            WITH due AS (
                SELECT TOP (@Take) lease_owner, lease_expires_at, sequence, attempts FROM webhook_deliveries WITH (UPDLOCK, READPAST, ROWLOCK)
                WHERE endpoint_id = @EndpointId AND state = N'pending' AND next_attempt_at <= @Now AND (lease_expires_at IS NULL OR lease_expires_at <= @Now)
                ORDER BY sequence)
            UPDATE due SET lease_owner = @Me, lease_expires_at = @LeaseUntil
            OUTPUT inserted.sequence AS Sequence, inserted.attempts AS Attempts
            """;
    }
}
