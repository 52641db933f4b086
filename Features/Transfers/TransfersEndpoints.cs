using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

public static class TransfersEndpoints
{
    public static IEndpointRouteBuilder MapTransfers(this IEndpointRouteBuilder app)
    {
        // A person's own transfers; a service client's owner's, within its scopes.
        var transfers = app.MapGroup("/v1/transfers").WithTags("Transfers");
        var moves = transfers.MapGroup("").RequireAuthorization(Policies.LedgerWrite);
        moves.MapCreateTransfer();
        moves.MapTransferBatch();
        moves.MapCaptureHold();
        moves.MapVoidHold();
        moves.MapReverseTransfer();
        transfers.MapGetTransfer().RequireAuthorization(Policies.LedgerRead);
        transfers.MapListTransfers().RequireAuthorization(Policies.LedgerRead);

        var external = app.MapGroup("/v1").WithTags("Transfers").RequireAuthorization(Policies.Staff);
        external.MapExternalTransfers();
        return app;
    }
}
