
namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A ledger queue with room for one waiting command, so a test can fill it; the queueing budget
/// and the writer's deadline are long, so that the count is what refuses.
/// </summary>
public sealed class TinyLedgerQueueApp : SqliteApp
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:QueueCapacity"] = "1",
        ["Ledger:MaxQueueWait"] = "00:01:00",
        ["Ledger:MaxWriterWait"] = "00:01:00",
    };
}
