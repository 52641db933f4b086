using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Accounts;

public static class AccountsEndpoints
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        // A person's own accounts; a service client's owner's accounts, within its scopes.
        var group = app.MapGroup("/v1/accounts").WithTags("Accounts");
        group.MapOpenAccount().RequireAuthorization(Policies.LedgerWrite);
        group.MapGetAccount().RequireAuthorization(Policies.LedgerRead);
        group.MapListAccounts().RequireAuthorization(Policies.LedgerRead);
        group.MapListEntries().RequireAuthorization(Policies.LedgerRead);
        group.MapGetBalanceAt().RequireAuthorization(Policies.LedgerRead);
        return app;
    }
}
