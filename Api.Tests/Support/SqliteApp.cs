using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Support;

/// <summary>The service over a fresh SQLite file in a temporary folder of its own.</summary>
public class SqliteApp : StrongroomApp
{
    private readonly bool _ownsDirectory;

    public SqliteApp()
        : this(secrets: null, directory: null)
    {
    }

    /// <summary>A replica of a deployment: <paramref name="secrets"/> and the database in <paramref name="directory"/> are shared.</summary>
    protected SqliteApp(AppSecrets? secrets, string? directory)
        : base(secrets)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? TempDirectory.Create();
    }

    public string Directory { get; }

    public string DatabasePath => Path.Combine(Directory, "strongroom.db");

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override ValueTask<IReadOnlyDictionary<string, string?>> PrepareDatabaseAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Strongroom"] = $"Data Source={DatabasePath}",
        });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(Directory);
        }

        GC.SuppressFinalize(this);
    }
}

public static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "strongroom-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection; the OS temp cleaner will have it.
        }
    }
}
