using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Strongroom.Features;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Database;

/// <summary>
/// Finds every SQL statement the service contains by itself, so a new slice cannot escape:
/// constants in classes named <c>Sql</c> (both engines), <c>SqlServer</c> or <c>Sqlite</c>, and
/// the migration scripts. SQL Server texts must parse with the T-SQL 16 parser; SQLite texts must
/// compile against the migrated schema. SQL anywhere else fails the build of the suite.
/// </summary>
public sealed partial class SqlStatementTests
{
    private static readonly Assembly[] Assemblies = [typeof(SqlDatabase).Assembly, typeof(FeatureRegistration).Assembly, typeof(Program).Assembly];

    public sealed record SqlText(string Name, string Engine, string Text);

    public static IReadOnlyList<SqlText> Constants() =>
        [.. Assemblies.SelectMany(a => a.GetTypes())
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(field => field.IsLiteral && field.FieldType == typeof(string))
                .Select(field => new SqlText($"{type.FullName}.{field.Name}", type.Name, (string)field.GetRawConstantValue()!)))];

    public static IEnumerable<SqlText> ForEngine(DatabaseProvider provider) =>
        Constants().Where(c => c.Engine == "Sql" || c.Engine == provider.ToString())
            .Concat(MigrationScripts.For(provider).Select(s => new SqlText($"migration {s.Id}", provider.ToString(), s.Text)));

    [Fact]
    public void Statements_are_found_in_slices_and_infrastructure()
    {
        var names = Constants().Select(c => c.Name).ToList();

        Assert.Contains(names, n => n.Contains("ListAccounts+Sql.Page", StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains("UserQueries+SqlServer.Page", StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains("Register+Sql.InsertUser", StringComparison.Ordinal));
        Assert.Contains(names, n => n.Contains("MigrationRunner+SqlServer.AcquireLock", StringComparison.Ordinal));
        Assert.NotEmpty(MigrationScripts.For(DatabaseProvider.SqlServer));
        Assert.Equal(MigrationScripts.For(DatabaseProvider.Sqlite).Select(s => s.Id), MigrationScripts.For(DatabaseProvider.SqlServer).Select(s => s.Id));
    }

    [Fact]
    public void No_sql_lives_outside_the_named_classes()
    {
        var stray = Constants()
            .Where(c => c.Engine is not ("Sql" or "SqlServer" or "Sqlite") && StatementStart().IsMatch(c.Text))
            .Select(c => c.Name);

        Assert.Empty(stray);
    }

    [Fact]
    public void Every_sql_server_statement_parses_as_TSql160()
    {
        var failures = new List<string>();
        foreach (var sql in ForEngine(DatabaseProvider.SqlServer))
        {
            new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql.Text), out var errors);
            failures.AddRange(errors.Select(e => $"{sql.Name} line {e.Line}: {e.Message}"));
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void The_parser_test_would_catch_a_broken_statement()
    {
        new TSql160Parser(true).Parse(new StringReader("SELECT TOP (@Take) id FROM accounts WHERE LIMIT 5"), out var errors);

        Assert.NotEmpty(errors);
    }

    [Fact]
    public async Task Every_sqlite_statement_compiles_against_the_migrated_schema()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var journal = Constants().Single(c => c.Name.EndsWith("MigrationRunner+Sqlite.CreateJournal", StringComparison.Ordinal));
        foreach (var script in MigrationScripts.For(DatabaseProvider.Sqlite).Select(s => s.Text).Prepend(journal.Text))
        {
            await using var migrate = connection.CreateCommand();
            migrate.CommandText = script;
            await migrate.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var failures = new List<string>();
        foreach (var sql in Constants().Where(c => c.Engine is "Sql" or "Sqlite"))
        {
            await using var command = connection.CreateCommand();
            // EXPLAIN compiles the statement without running it.
            command.CommandText = "EXPLAIN " + sql.Text;
            foreach (var name in Parameter().Matches(sql.Text).Select(m => m.Value).Distinct())
            {
                command.Parameters.AddWithValue(name, DBNull.Value);
            }

            try
            {
                await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            }
            catch (SqliteException exception)
            {
                failures.Add($"{sql.Name}: {exception.Message}");
            }
        }

        Assert.Empty(failures);
    }

    [GeneratedRegex(@"^\s*(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH|CREATE|ALTER|DROP|EXEC|DECLARE|IF|PRAGMA|BEGIN)\b", RegexOptions.IgnoreCase)]
    private static partial Regex StatementStart();

    [GeneratedRegex(@"@[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Parameter();
}
