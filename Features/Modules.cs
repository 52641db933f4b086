using Microsoft.Extensions.DependencyInjection;
using Strongroom.Features.Accounts;
using Strongroom.Features.Admin;
using Strongroom.Features.Approvals;
using Strongroom.Features.Audit;
using Strongroom.Features.Clients;
using Strongroom.Features.Events;
using Strongroom.Features.Exchanges;
using Strongroom.Features.Identity;
using Strongroom.Features.Ledger;
using Strongroom.Features.Profiles;
using Strongroom.Features.Transfers;
using Strongroom.Features.Users;
using Strongroom.Features.Webhooks;

namespace Strongroom.Features;

/// <summary>
/// The capabilities a replica can serve, and the one list of them: adding a capability is adding
/// its name and its row here. <c>Modules:Enabled</c> picks some of them, so a deployment can scale
/// money movement apart from sign-in and profiles; each module's endpoints and background jobs
/// exist only where it is enabled.
/// </summary>
public static class Modules
{
    /// <summary>Register, token, revoke, second factor (<c>/v1/auth</c>, <c>/v1/me/mfa</c>).</summary>
    public const string Identity = "Identity";

    /// <summary>Open, read and list accounts and their statements (<c>/v1/accounts</c>).</summary>
    public const string Accounts = "Accounts";

    /// <summary>Every money movement (transfers, batches, holds, reversals, deposits, withdrawals, dual-control approvals), and the hold expiry and idempotency-key purge jobs.</summary>
    public const string Transfers = "Transfers";

    /// <summary>Account controls and the ledger-wide views (<c>/v1/admin/accounts</c>, <c>/v1/admin/ledger</c>).</summary>
    public const string Admin = "Admin";

    /// <summary>User administration (<c>/v1/admin/users</c>).</summary>
    public const string Users = "Users";

    /// <summary>The caller's profile (<c>/v1/me</c>).</summary>
    public const string Profiles = "Profiles";

    /// <summary>The audit log (<c>/v1/admin/audit</c>).</summary>
    public const string Audit = "Audit";

    /// <summary>Service clients (<c>/v1/admin/clients</c>).</summary>
    public const string Clients = "Clients";

    /// <summary>The event log (<c>/v1/events</c>) and its retention purge; the ledger writes the events wherever it runs.</summary>
    public const string Events = "Events";
    /// <summary>Webhook endpoints and the deliveries to them (<c>/v1/webhooks/endpoints</c>), and the dispatcher that sends them.</summary>
    public const string Webhooks = "Webhooks";

    /// <summary>Exchange rates (<c>/v1/admin/fx/rates</c>, <c>/v1/fx/rates</c>) and currency exchanges (<c>/v1/exchanges</c>), applied by the ledger core.</summary>
    public const string Exchanges = "Exchanges";

    /// <summary>
    /// Every capability: its module, the services it registers (if any) and its endpoints,
    /// explicitly: no scanning, no reflection. Services are registered whatever is enabled;
    /// endpoints are mapped only for enabled modules.
    /// </summary>
    internal static readonly Capability[] Capabilities =
    [
        new(Identity, IdentityEndpoints.AddIdentity, IdentityEndpoints.MapIdentity),
        new(Accounts, Add: null, AccountsEndpoints.MapAccounts),
        // Every money movement goes through the ledger core.
        // Dual control's approvals move money when approved: they are served where transfers are.
        new(Transfers, LedgerSetup.AddLedger, app => app.MapTransfers().MapApprovals()),
        new(Admin, Add: null, AdminEndpoints.MapAdmin),
        new(Users, Add: null, UsersEndpoints.MapUsers),
        new(Profiles, Add: null, ProfileEndpoints.MapProfiles),
        new(Audit, Add: null, AuditEndpoints.MapAudit),
        new(Clients, Add: null, ClientsEndpoints.MapClients),
        new(Events, EventsSetup.AddEvents, EventsEndpoints.MapEvents),
        new(Webhooks, WebhooksEndpoints.AddWebhooks, WebhooksEndpoints.MapWebhooks),
        new(Exchanges, Add: null, ExchangesEndpoints.MapExchanges),
    ];

    /// <summary>Every module name, in the order of <see cref="Capabilities"/> (which is also the order of the OpenAPI tags).</summary>
    public static IReadOnlyList<string> All { get; } = [.. Capabilities.Select(capability => capability.Module)];

    internal sealed record Capability(
        string Module, Func<IServiceCollection, IServiceCollection>? Add, Func<IEndpointRouteBuilder, IEndpointRouteBuilder> Map);
}
