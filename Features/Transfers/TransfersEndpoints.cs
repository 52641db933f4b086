using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

public static class TransfersEndpoints
{
    public static IEndpointRouteBuilder MapTransfers(this IEndpointRouteBuilder app)
    {
        var transfers = app.MapGroup("/v1/transfers").WithTags("Transfers").RequireAuthorization(Policies.Customer);
        transfers.MapCreateTransfer();
        transfers.MapTransferBatch();
        transfers.MapSettleHold();
        transfers.MapGetTransfer();

        var external = app.MapGroup("/v1").WithTags("Transfers").RequireAuthorization(Policies.Staff);
        external.MapExternalTransfers();
        return app;
    }
}
