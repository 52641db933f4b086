using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Exchanges;

public static class ExchangesEndpoints
{
    /// <summary>Rates (set by staff, read by anyone signed in) and the exchanges made at them.</summary>
    public static IEndpointRouteBuilder MapExchanges(this IEndpointRouteBuilder app)
    {
        // Every rate change is audited, with the pair and the rate before and after.
        var admin = app.MapGroup("/v1/admin/fx/rates").WithTags("Exchanges").RequireAuthorization(Policies.Staff).AuditSuccessfulChanges();
        admin.MapSetFxRate();

        var rates = app.MapGroup("/v1/fx/rates").WithTags("Exchanges").RequireAuthorization(Policies.LedgerRead);
        rates.MapGetFxRate();

        var exchanges = app.MapGroup("/v1/exchanges").WithTags("Exchanges");
        exchanges.MapCreateExchange().RequireAuthorization(Policies.LedgerWrite);
        exchanges.MapGetExchange().RequireAuthorization(Policies.LedgerRead);
        return app;
    }
}
