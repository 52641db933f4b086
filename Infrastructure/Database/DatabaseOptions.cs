namespace Strongroom.Infrastructure.Database;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

/// <summary>Bound from <c>Database</c> and <c>ConnectionStrings:Strongroom</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public const string ConnectionStringName = "Strongroom";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the service starts. Turn off where the service runs
    /// with least-privilege credentials and <c>strongroom migrate</c> runs with DDL rights.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Seconds a command may run, and (SQLite) how long a writer waits for the lock.</summary>
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>SQL Server connections are encrypted (SqlClient's default, <c>Encrypt=Mandatory</c>);
    /// a connection string with <c>Encrypt=Optional</c> is refused outside Development unless this is set.</summary>
    public bool AllowUnencryptedConnections { get; set; }

    /// <summary>Resolved at start-up; never empty after configuration.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>True when nothing was configured: SQLite in <c>data/strongroom.db</c>. Development
    /// conveniences (a generated signing key, the Scalar page) are allowed only then or in Development.</summary>
    public bool IsEmbeddedDefault { get; set; }
}
