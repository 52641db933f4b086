
namespace Strongroom.Api.Tests.Support;

/// <summary>The service with its SQLite database on a small disk of its own.</summary>
public sealed class AppOnSmallDisk : SqliteApp
{
    public AppOnSmallDisk()
        : this(SmallDisk.Mount(megabytes: 8))
    {
    }

    private AppOnSmallDisk(SmallDisk disk)
        : base(secrets: null, directory: disk.Path) => Disk = disk;

    public SmallDisk Disk { get; }

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Database:CommandTimeoutSeconds"] = "1",
        ["Ledger:HoldExpiryInterval"] = "01:00:00",
        ["Ledger:IdempotencyPurgeInterval"] = "01:00:00",
        ["Webhooks:PollInterval"] = "01:00:00",
    };

    protected override ValueTask<IReadOnlyDictionary<string, string?>> PrepareDatabaseAsync()
    {
        SkipReason = Disk.SkipReason;
        return base.PrepareDatabaseAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Disk.Dispose();
    }
}
