
namespace Strongroom.Api.Tests.Support;

/// <summary>The writer gives up on a command one second after admitting it; the queueing budget is the automatic one.</summary>
public sealed class ShortWriterWaitApp : SqliteApp
{
    public static readonly TimeSpan MaxWriterWait = TimeSpan.FromSeconds(1);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Ledger:MaxWriterWait"] = MaxWriterWait.ToString(),
        ["Ledger:MaxQueueWait"] = null,
    };
}
