namespace Strongroom.Features.Webhooks;

/// <summary>Wakes this replica's dispatcher at once when something is due now (a test event, a retry), rather than at its next poll.</summary>
public sealed class WebhookSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every notification before it.
        }
    }

    /// <summary>Waits until notified or <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
