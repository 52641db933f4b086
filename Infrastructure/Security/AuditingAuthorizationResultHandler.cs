using Microsoft.AspNetCore.Http;

namespace Strongroom.Infrastructure.Security;

/// <summary>Every 403 is audited with who asked for what, counted towards a burst, then answered as usual.</summary>
internal sealed class AuditingAuthorizationResultHandler(AuditLog audit, SuspiciousActivity suspicious) : Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler
{
    private readonly Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, Microsoft.AspNetCore.Authorization.AuthorizationPolicy policy,
        Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var lacksSecondFactor = MfaRequirement.IsWhyForbidden(authorizeResult);
            await audit.RecordAsync(new AuditEvent("authorization_denied", ActorId: context.User.FindFirst(StrongroomClaims.Subject)?.Value,
                Target: $"{context.Request.Method} {context.Request.Path}", Details: lacksSecondFactor ? MfaRequirement.Code : null), context, context.RequestAborted);
            await suspicious.AuthorizationDeniedAsync(context, context.RequestAborted);
            if (lacksSecondFactor)
            {
                await MfaRequirement.Problem().ExecuteAsync(context);
                return;
            }
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
