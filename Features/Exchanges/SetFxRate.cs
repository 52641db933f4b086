using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Exchanges;

public static class SetFxRate
{
    public static RouteHandlerBuilder MapSetFxRate(this IEndpointRouteBuilder group) =>
        group.MapPut("/{base}/{quote}", HandleAsync)
            .WithName("SetFxRate")
            .WithSummary("Set the exchange rate of a currency pair")
            .WithDescription("Staff only. One unit of base is rate units of quote until validUntil (in the future). rate is a decimal string (a JSON number is refused) with at most 12 digits before and 12 after the point; it is kept exactly and answered in canonical form. The inverse pair is a rate of its own. Replaces the pair's current rate; exchanges read it inside their own transaction. Audited.")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<FxRateResponse>, ValidationProblem>> HandleAsync(
        [FromRoute(Name = "base"), Description(FxRateRow.BaseDescription)] string baseCurrency,
        [FromRoute(Name = "quote"), Description(FxRateRow.QuoteDescription)] string quoteCurrency,
        FxRateRequest request,
        ClaimsPrincipal user,
        HttpContext context,
        SqlDatabase database,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = FxRateRow.PairErrors(baseCurrency, quoteCurrency);
        var now = time.GetUtcNow();
        if (request.ValidUntil is not { } validUntil || validUntil <= now)
        {
            errors["validUntil"] = ["validUntil must be in the future."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var rate = new FxRateRow
        {
            BaseCurrency = baseCurrency,
            QuoteCurrency = quoteCurrency,
            Rate = FxRateRow.CanonicalText(request.Rate!),
            ValidUntil = UnixMicroseconds.From(request.ValidUntil!.Value),
            UpdatedBy = user.UserId(),
            UpdatedAt = UnixMicroseconds.From(now),
        };
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var before = await connection.QuerySingleOrDefaultAsync<FxRateRow>(database.Pick(Sqlite.Read, SqlServer.Read), new { Base = baseCurrency, Quote = quoteCurrency }, transaction);
        await connection.ExecuteAsync(database.Pick(Sqlite.Upsert, SqlServer.Upsert), rate, transaction);
        await transaction.CommitAsync(cancellationToken);
        context.SetAuditDetails(
            $"{baseCurrency}/{quoteCurrency} rate {before?.Rate ?? "none"}->{rate.Rate} valid_until {request.ValidUntil.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}");
        return TypedResults.Ok(rate.ToResponse());
    }

    private static class Sqlite
    {
        public const string Read = $"""
            SELECT {FxRateRow.Columns} FROM fx_rates WHERE base_currency = @Base AND quote_currency = @Quote
            """;

        public const string Upsert = """
            INSERT INTO fx_rates (base_currency, quote_currency, rate, valid_until, updated_by, updated_at)
            VALUES (@BaseCurrency, @QuoteCurrency, @Rate, @ValidUntil, @UpdatedBy, @UpdatedAt)
            ON CONFLICT (base_currency, quote_currency) DO UPDATE
            SET rate = excluded.rate, valid_until = excluded.valid_until, updated_by = excluded.updated_by, updated_at = excluded.updated_at
            """;
    }

    private static class SqlServer
    {
        // The update lock is held to COMMIT, so two changes of one pair queue, and an exchange reading it waits.
        public const string Read = $"""
            SELECT {FxRateRow.Columns} FROM fx_rates WITH (UPDLOCK, HOLDLOCK) WHERE base_currency = @Base AND quote_currency = @Quote
            """;

        public const string Upsert = """
            UPDATE fx_rates SET rate = @Rate, valid_until = @ValidUntil, updated_by = @UpdatedBy, updated_at = @UpdatedAt
            WHERE base_currency = @BaseCurrency AND quote_currency = @QuoteCurrency;
            IF @@ROWCOUNT = 0
                INSERT INTO fx_rates (base_currency, quote_currency, rate, valid_until, updated_by, updated_at)
                VALUES (@BaseCurrency, @QuoteCurrency, @Rate, @ValidUntil, @UpdatedBy, @UpdatedAt);
            """;
    }
}
