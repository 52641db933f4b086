using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Admin;

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        // Account controls are an operator's daily work; the ledger-wide views are for admins.
        var accounts = app.MapGroup("/v1/admin/accounts").WithTags("Administration").RequireAuthorization(Policies.Staff).AuditSuccessfulChanges();
        accounts.MapSetOverdraftLimit();
        accounts.MapChangeAccountStatus();

        var ledger = app.MapGroup("/v1/admin/ledger").WithTags("Administration").RequireAuthorization(Policies.Admin);
        ledger.MapVerifyLedger();
        ledger.MapSnapshotBalances();
        return app;
    }
}
