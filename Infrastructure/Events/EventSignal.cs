namespace Strongroom.Infrastructure.Events;

/// <summary>
/// Wakes this replica's readers of the outbox (the webhook dispatcher) at once when something was
/// committed for them (events from the ledger writer, a test event, a retry) rather than at their
/// next poll. Other replicas still find the work at their own poll: it lives in the database.
/// </summary>
public sealed class EventSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Cheap enough for every commit: a wake-up already pending covers this one too.</summary>
    public void Notify()
    {
        if (_signal.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Signalled in between: one wake-up covers every notification before it.
        }
    }

    /// <summary>Waits until notified or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
