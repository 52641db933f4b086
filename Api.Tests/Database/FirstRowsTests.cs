using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Api.Tests.Database;

/// <summary>
/// A slice whose engines differ only in the row limit writes its query once and lets
/// <see cref="SqlDatabase.FirstRows"/> add the limit. The statement tests see the query without it;
/// these see it with it: every ordered query, limited as each engine would run it, still parses.
/// </summary>
public sealed class FirstRowsTests
{
    private static readonly SqlDatabase SqlServer = new(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.SqlServer }));

    private static readonly SqlDatabase Sqlite = new(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.Sqlite }));

    /// <summary>The statements written once for both engines that end in their ORDER BY: the ones FirstRows can take.</summary>
    private static List<SqlStatementTests.SqlText> Ordered() =>
        [.. SqlStatementTests.Constants().Where(c => c.Engine == "Sql" && EndsInOrderBy(c.Text))];

    [Fact]
    public void The_list_queries_are_written_once_for_both_engines()
    {
        var names = Ordered().Select(c => c.Name).ToList();

        Assert.Contains(names, n => n.EndsWith("ListAccounts+Sql.Page", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("ListEntries+Sql.Page", StringComparison.Ordinal));
        Assert.Contains(names, n => n.EndsWith("ListClients+Sql.Page", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_ordered_query_limited_for_sql_server_parses_as_TSql160()
    {
        var failures = new List<string>();
        foreach (var sql in Ordered())
        {
            var limited = SqlServer.FirstRows(sql.Text);
            Assert.Contains("FETCH NEXT @Take ROWS ONLY", limited, StringComparison.Ordinal);
            new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(limited), out var errors);
            failures.AddRange(errors.Select(e => $"{sql.Name} line {e.Line}: {e.Message}"));
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task Every_ordered_query_limited_for_sqlite_limits_the_rows()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE t (id TEXT PRIMARY KEY); INSERT INTO t VALUES ('a'), ('b'), ('c');";
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = Sqlite.FirstRows("SELECT id FROM t ORDER BY id");
        command.Parameters.AddWithValue("@Take", 2);
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        Assert.Equal(["a", "b"], ids);
        Assert.EndsWith("LIMIT @Take", Sqlite.FirstRows("SELECT id FROM t ORDER BY id"), StringComparison.Ordinal);
    }

    private static bool EndsInOrderBy(string text)
    {
        var last = text.LastIndexOf("ORDER BY", StringComparison.OrdinalIgnoreCase);
        return last >= 0 && text.IndexOf(')', last) < 0 && !Regex.IsMatch(text, @"\bLIMIT\b", RegexOptions.IgnoreCase);
    }
}
