using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Exchanges;

public static class GetFxRate
{
    public static RouteHandlerBuilder MapGetFxRate(this IEndpointRouteBuilder group) =>
        group.MapGet("/{base}/{quote}", HandleAsync)
            .WithName("GetFxRate")
            .WithSummary("Read the current exchange rate of a currency pair")
            .WithDescription("For anyone signed in. One unit of base is rate (a decimal string) units of quote until validUntil; past it, exchanges at the rate are refused (409 rate_expired) until staff set a new one. A pair with no rate, unknown codes, and the inverse of a pair that has one are 404: an inverse is never implied.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<FxRateResponse>, ProblemHttpResult>> HandleAsync(
        [FromRoute(Name = "base"), Description(FxRateRow.BaseDescription)] string baseCurrency, [FromRoute(Name = "quote"), Description(FxRateRow.QuoteDescription)] string quoteCurrency, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (FxRateRow.PairErrors(baseCurrency, quoteCurrency).Count > 0)
        {
            return ApiProblems.NotFound("Rate");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rate = await connection.QuerySingleOrDefaultAsync<FxRateRow>(Sql.Read, new { Base = baseCurrency, Quote = quoteCurrency });
        return rate is null ? ApiProblems.NotFound("Rate") : TypedResults.Ok(rate.ToResponse());
    }

    private static class Sql
    {
        public const string Read = $"""
            SELECT {FxRateRow.Columns} FROM fx_rates WHERE base_currency = @Base AND quote_currency = @Quote
            """;
    }
}
