namespace Strongroom.Api.Tests.Support;

/// <summary>One replica of a deployment: its own host, sharing the keys and the SQLite file with the others.</summary>
public sealed class SqliteReplica(AppSecrets secrets, string directory, IReadOnlyDictionary<string, string?> settings) : SqliteApp(secrets, directory)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => settings;
}

/// <summary>
/// Two replicas in-process behind no load balancer: two hosts sharing one SQLite file, the same
/// signing and data keys, and one real <c>redis-server</c> as the cache's L2 and backplane.
/// </summary>
public class TwoReplicas : IAsyncLifetime
{
    private string? _directory;
    private SqliteReplica? _a;
    private SqliteReplica? _b;
    private RedisServer? _redis;

    public SqliteReplica A => _a ?? throw new InvalidOperationException(SkipReason ?? "Not initialised.");

    public SqliteReplica B => _b ?? throw new InvalidOperationException(SkipReason ?? "Not initialised.");

    public RedisServer Redis => _redis ?? throw new InvalidOperationException(SkipReason ?? "Not initialised.");

    public string? SkipReason { get; private set; }

    /// <summary>Settings both replicas get on top of the shared ones.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Long enough that only an eviction, never an expiry, can make a replica read a change.
        ["Cache:Duration"] = "00:10:00",
        ["Cache:FailSafeMaxDuration"] = "00:20:00",
    };

    /// <summary>How the replicas reach <paramref name="redis"/>: its address, plus whatever a fixture adds.</summary>
    protected virtual string RedisConfiguration(RedisServer redis) => redis.Configuration;

    public async ValueTask InitializeAsync()
    {
        SkipReason = RedisServer.SkipReason;
        if (SkipReason is not null)
        {
            return;
        }

        _redis = await RedisServer.StartAsync();
        _directory = TempDirectory.Create();
        var secrets = AppSecrets.Create();
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["Redis:Configuration"] = RedisConfiguration(_redis),
            ["Cache:KeyPrefix"] = $"test-{Guid.NewGuid():N}",
        };
        // One after the other: the first migrates the shared file.
        _a = new SqliteReplica(secrets, _directory, settings);
        await _a.InitializeAsync();
        _b = new SqliteReplica(secrets, _directory, settings);
        await _b.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Each step runs even when an earlier one throws: redis-server must never outlive the tests.
        try
        {
            if (_b is not null)
            {
                await _b.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                if (_a is not null)
                {
                    await _a.DisposeAsync();
                }
            }
            finally
            {
                if (_redis is not null)
                {
                    await _redis.DisposeAsync();
                }

                if (_directory is not null)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    TempDirectory.Delete(_directory);
                }
            }
        }

        GC.SuppressFinalize(this);
    }

    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }
}
