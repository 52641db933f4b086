using System.Data.Common;
using System.Text;
using System.Text.Json;

namespace Strongroom.Features.Ledger;

/// <summary>
/// What the ledger writer's transaction reads and writes for exchanges (<see cref="LedgerStore"/>
/// calls it): the current rate of every pair the group's exchanges name, read inside the
/// transaction so a rate change cannot race an exchange, and the exchanges that applied.
/// </summary>
internal static class ExchangeStore
{
    /// <summary>
    /// Loads the rate of each (sell, buy) pair of the group's exchanges into <paramref name="work"/>.
    /// SQLite: one statement for the group (the write lock is already held, so no rate changes
    /// until COMMIT). SQL Server: one per pair, holding a shared lock to the end of the
    /// transaction, so a rate's PUT waits for the exchanges that read it.
    /// </summary>
    public static async Task LoadRatesAsync(SqlDatabase database, DbConnection connection, DbTransaction transaction, IReadOnlyList<LedgerCommand> commands, LedgerWorkSet work, int? commandTimeout)
    {
        var pairs = commands.OfType<PostExchange>()
            .Where(c => c.SellCurrency.Length > 0 && c.BuyCurrency.Length > 0 && c.SellCurrency != c.BuyCurrency)
            .Select(c => (Base: c.SellCurrency, Quote: c.BuyCurrency))
            .Distinct()
            .Order()
            .ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        IEnumerable<RateRow> rows;
        if (database.Provider == DatabaseProvider.SqlServer)
        {
            var found = new List<RateRow>(pairs.Count);
            foreach (var (baseCurrency, quoteCurrency) in pairs)
            {
                if (await connection.QuerySingleOrDefaultAsync<RateRow>(SqlServer.LoadRate, new { Base = baseCurrency, Quote = quoteCurrency }, transaction, commandTimeout) is { } row)
                {
                    found.Add(row);
                }
            }

            rows = found;
        }
        else
        {
            rows = await connection.QueryAsync<RateRow>(Sqlite.LoadRates, new { Pairs = PairsJson(pairs) }, transaction, commandTimeout);
        }

        foreach (var row in rows)
        {
            // Stored by PUT /v1/admin/fx/rates in canonical form; a row that does not parse is no rate at all.
            if (ExchangeRules.TryParseRate(row.Rate, out var rate))
            {
                work.FxRates[(row.BaseCurrency, row.QuoteCurrency)] = new FxRate(row.BaseCurrency, row.QuoteCurrency, rate, row.Rate, row.ValidUntil);
            }
        }
    }

    /// <summary>Writes the exchanges that applied, after their transfers (which they reference).</summary>
    public static async Task SaveAsync(DbConnection connection, DbTransaction transaction, LedgerWorkSet work, int? commandTimeout)
    {
        foreach (var exchange in work.NewExchanges)
        {
            await connection.ExecuteAsync(Sql.InsertExchange, exchange, transaction, commandTimeout);
        }
    }

    private static string PairsJson(IEnumerable<(string Base, string Quote)> pairs)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (baseCurrency, quoteCurrency) in pairs)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(baseCurrency);
                writer.WriteStringValue(quoteCurrency);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An <c>fx_rates</c> row as the writer reads it.</summary>
    internal sealed class RateRow
    {
        public string BaseCurrency { get; init; } = "";

        public string QuoteCurrency { get; init; } = "";

        public string Rate { get; init; } = "";

        public long ValidUntil { get; init; }
    }

    private static class Sql
    {
        public const string InsertExchange = """
            INSERT INTO exchanges (id, from_account_id, to_account_id, sell_amount, sell_currency, sell_transfer_id, buy_amount, buy_currency, buy_transfer_id, rate, initiated_by, created_at)
            VALUES (@Id, @FromAccountId, @ToAccountId, @SellAmount, @SellCurrency, @SellTransferId, @BuyAmount, @BuyCurrency, @BuyTransferId, @Rate, @InitiatedBy, @CreatedAt)
            """;
    }

    private static class Sqlite
    {
        public const string LoadRates = """
            SELECT r.base_currency AS BaseCurrency, r.quote_currency AS QuoteCurrency, r.rate AS Rate, r.valid_until AS ValidUntil
            FROM json_each(@Pairs) AS wanted
            JOIN fx_rates AS r ON r.base_currency = json_extract(wanted.value, '$[0]') AND r.quote_currency = json_extract(wanted.value, '$[1]')
            """;
    }

    private static class SqlServer
    {
        public const string LoadRate = """
            SELECT base_currency AS BaseCurrency, quote_currency AS QuoteCurrency, rate AS Rate, valid_until AS ValidUntil
            FROM fx_rates WITH (HOLDLOCK) WHERE base_currency = @Base AND quote_currency = @Quote
            """;
    }
}
