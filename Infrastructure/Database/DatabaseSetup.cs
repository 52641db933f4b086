using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Database;

public static class DatabaseSetup
{
    public const string DataDirectoryName = "data";

    public static IServiceCollection AddStrongroomDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .PostConfigure<IConfiguration, IHostEnvironment>(ResolveConnectionString)
            .Validate(o => o.CommandTimeoutSeconds > 0, "Database:CommandTimeoutSeconds must be positive.")
            .ValidateOnStart();
        services.AddSingleton<SqlDatabase>();
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<DatabaseAvailability>();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [DatabaseReadyCheck.Tag]);
        return services;
    }

    private static OptionsValidationException Invalid(string message) =>
        new(nameof(DatabaseOptions), typeof(DatabaseOptions), [message]);

    /// <summary>The folder the embedded default keeps its files in (database, generated key).</summary>
    public static string DataDirectory(IHostEnvironment environment) => Path.Combine(environment.ContentRootPath, DataDirectoryName);

    /// <summary>
    /// Whether the configuration names no database (SQLite, no connection string): the embedded default,
    /// as <see cref="DatabaseOptions.IsEmbeddedDefault"/> will say, for choices made before options exist (the log format).
    /// </summary>
    public static bool IsEmbeddedDefault(IConfiguration configuration) =>
        !string.Equals(configuration[$"{DatabaseOptions.Section}:Provider"], nameof(DatabaseProvider.SqlServer), StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrWhiteSpace(configuration.GetConnectionString(DatabaseOptions.ConnectionStringName));

    private static void ResolveConnectionString(DatabaseOptions options, IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName);
        if (options.Provider == DatabaseProvider.SqlServer)
        {
            options.ConnectionString = string.IsNullOrWhiteSpace(configured)
                ? throw Invalid("Database:Provider is SqlServer but ConnectionStrings:Strongroom is not set.")
                : configured;
            options.IsEmbeddedDefault = false;
            // SqlClient encrypts by default (Encrypt=Mandatory); a connection string may only turn that
            // off on a developer's machine, or where the operator says so in as many words.
            var sqlServer = new SqlConnectionStringBuilder(configured);
            if (sqlServer.Encrypt == SqlConnectionEncryptOption.Optional && !options.AllowUnencryptedConnections && !environment.IsDevelopment())
            {
                throw Invalid("ConnectionStrings:Strongroom turns encryption off (Encrypt=Optional/False). Use Encrypt=Mandatory or Strict, "
                    + "or set Database:AllowUnencryptedConnections=true if the network is trusted.");
            }

            return;
        }

        options.IsEmbeddedDefault = string.IsNullOrWhiteSpace(configured);
        var builder = new SqliteConnectionStringBuilder(options.IsEmbeddedDefault
            ? $"Data Source={Path.Combine(DataDirectory(environment), "strongroom.db")}"
            : configured);
        if (builder.DataSource is not ("" or ":memory:") && builder.Mode != SqliteOpenMode.Memory)
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, environment.ContentRootPath);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }

        // Foreign keys are off by default in SQLite; the ledger relies on them.
        builder.ForeignKeys = true;
        // Microsoft.Data.Sqlite retries SQLITE_BUSY until this many seconds have passed: the busy timeout.
        builder.DefaultTimeout = options.CommandTimeoutSeconds;
        builder.Pooling = true;
        options.ConnectionString = builder.ConnectionString;
    }
}
