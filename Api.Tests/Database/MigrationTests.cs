using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Api.Tests.Support;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Database;

public abstract class MigrationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    /// <summary>Options for an empty database of the same engine, not yet migrated.</summary>
    protected abstract Task<DatabaseOptions> FreshDatabaseAsync();

    [Fact]
    public async Task Applying_again_is_a_no_op()
    {
        var runner = app.Services.GetRequiredService<MigrationRunner>();

        var applied = await runner.ApplyAsync(TestContext.Current.CancellationToken);
        var pending = await runner.PendingAsync(TestContext.Current.CancellationToken);

        Assert.Empty(applied);
        Assert.Empty(pending);
    }

    [Fact]
    public async Task Instances_starting_at_once_apply_each_script_exactly_once()
    {
        app.SkipIfUnavailable();
        var options = await FreshDatabaseAsync();
        var database = new SqlDatabase(Options.Create(options));
        var runners = Enumerable.Range(0, 4).Select(_ => new MigrationRunner(database, TimeProvider.System, NullLogger<MigrationRunner>.Instance)).ToList();

        var results = await Task.WhenAll(runners.Select(runner => runner.ApplyAsync(TestContext.Current.CancellationToken)));

        var expected = MigrationScripts.For(options.Provider).Select(s => s.Id).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, results.SelectMany(r => r).Order(StringComparer.Ordinal));
        await using var connection = await database.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM schema_migrations";
        var journal = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                journal.Add(reader.GetString(0));
            }
        }

        journal.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, journal);
    }
}

public sealed class MigrationsOnSqlite(SqliteApp app) : MigrationTests<SqliteApp>(app)
{
    protected override Task<DatabaseOptions> FreshDatabaseAsync() => Task.FromResult(new DatabaseOptions
    {
        Provider = DatabaseProvider.Sqlite,
        ConnectionString = $"Data Source={Path.Combine(TempDirectory.Create(), "fresh.db")};Default Timeout=30",
    });
}

[Trait("Category", "SqlServer")]
public sealed class MigrationsOnSqlServer(SqlServerApp app) : MigrationTests<SqlServerApp>(app)
{
    protected override async Task<DatabaseOptions> FreshDatabaseAsync() => new()
    {
        Provider = DatabaseProvider.SqlServer,
        ConnectionString = await SqlServerContainer.CreateDatabaseAsync(),
    };
}
