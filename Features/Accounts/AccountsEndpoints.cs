using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Accounts;

public static class AccountsEndpoints
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/accounts").WithTags("Accounts").RequireAuthorization(Policies.Customer);
        group.MapOpenAccount();
        group.MapGetAccount();
        group.MapListAccounts();
        group.MapListEntries();
        return app;
    }
}
