using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Approvals;

public static class ApprovalsEndpoints
{
    /// <summary>
    /// Dual control (maker-checker): the staff deposits, withdrawals and reversals at or above their
    /// currency's threshold wait here for a second member of staff. Served with the Transfers module:
    /// approving moves money through the ledger writer.
    /// </summary>
    public static IEndpointRouteBuilder MapApprovals(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/approvals").WithTags("Approvals").RequireAuthorization(Policies.Staff);
        group.MapListApprovals();
        group.MapGetApproval();
        group.MapApproveApproval();
        group.MapRejectApproval();
        return app;
    }
}
